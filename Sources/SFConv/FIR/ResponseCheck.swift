import Foundation

/// What a designed filter measures, as opposed to what it was asked for: its −6 dB points, its
/// worst stopband attenuation, how far an EQ curve misses its points, and each band's deviation.
/// `sfconv design` prints these in its summary line and `--json`; the warnings compare them with
/// the specification.
public struct MeasuredResponse: Sendable, Codable, Equatable {
    /// For each cutoff, the frequency in Hz nearest to it where |H| crosses −6.02 dB (½); nil
    /// where it does not cross within a transition width.
    public var minus6dBHz: [Double?]?
    /// |H| at each nominal cutoff, in dB.
    public var cutoffGainDB: [Double]?
    /// The largest |H| over the stopband regions, as a positive attenuation in dB.
    public var stopbandAttenuationDB: Double?
    /// The stopband regions measured, [low, high] in Hz: beyond half a transition from each cutoff.
    public var stopbands: [[Double]]?
    /// eq: the largest |error| in dB at the given points, and where.
    public var worstPointErrorDB: Double?
    public var worstPointHz: Double?
    /// remez, firls: per band, the largest deviation of |H| (linear) from the desired response.
    public var bands: [BandDeviation]?

    public init() {}
}

/// One band of a remez or firls design and how closely it was met.
public struct BandDeviation: Sendable, Codable, Equatable {
    public var lowHz: Double
    public var highHz: Double
    /// The desired amplitude at the band's edges (linear).
    public var desired: [Double]
    /// The largest |A(f) − D(f)| over the band, linear; and in dB: the passband ripple
    /// 20·log10(1 + deviation) where D > 0, the attenuation −20·log10(deviation) where D = 0.
    public var deviation: Double
    public var deviationDB: Double
}

/// Precise evaluation of an FIR's response, in Double.
public enum ResponseCheck {
    /// 20·log10(½): the level of a windowed design at its cutoff.
    public static let halfGainDB = 20 * log10(0.5)

    /// |H(f)| by direct summation in Double.
    public static func magnitude(_ h: [Double], at frequency: Double, rate: Double) -> Double {
        let omega = 2 * Double.pi * frequency / rate
        var re = 0.0, im = 0.0
        for (n, value) in h.enumerated() {
            let phase = omega * Double(n)
            re += value * cos(phase)
            im -= value * sin(phase)
        }
        return (re * re + im * im).squareRoot()
    }

    /// |H| on a grid of `count` + 1 equally spaced frequencies from 0 to rate/2 (one zero-padded
    /// FFT, single precision: good to about −140 dB re the peak), `count` a power of two ≥ 16 × taps.
    static func denseMagnitudes(_ h: [Double]) throws -> [Double] {
        var size = 1 << 16
        while size < 32 * h.count { size *= 2 }
        let fft = try RealFFT<Double>(size: size, planning: .estimate)
        let time = AlignedBuffer<Double>(count: size)
        let spectrum = AlignedBuffer<Double>(count: size + 2)
        for (n, value) in h.enumerated() { time.pointer[n] = value }
        fft.forward(time.pointer, spectrum: spectrum.pointer)
        return (0...(size / 2)).map { bin in
            let re = Double(spectrum.pointer[2 * bin]), im = Double(spectrum.pointer[2 * bin + 1])
            return (re * re + im * im).squareRoot()
        }
    }

    /// The frequency nearest `cutoff`, within `reach` Hz of it, where |H| crosses ½: bracketed on
    /// the dense grid, then found by bisection on the exact response.
    static func halfGainCrossing(_ h: [Double], dense: [Double], near cutoff: Double, reach: Double, rate: Double) -> Double? {
        let nyquist = rate / 2, step = nyquist / Double(dense.count - 1)
        let centre = min(dense.count - 2, max(0, Int(cutoff / step)))
        let span = max(2, Int((reach / step).rounded(.up)))
        // Walk outwards from the cutoff; the first bracket found is the nearest.
        for distance in 0...span {
            for bin in [centre - distance, centre + distance] where bin >= 0 && bin + 1 < dense.count {
                guard (dense[bin] - 0.5) * (dense[bin + 1] - 0.5) <= 0 else { continue }
                var low = Double(bin) * step, high = Double(bin + 1) * step
                let lowAbove = magnitude(h, at: low, rate: rate) > 0.5
                for _ in 0..<40 {
                    let middle = (low + high) / 2
                    if (magnitude(h, at: middle, rate: rate) > 0.5) == lowAbove { low = middle } else { high = middle }
                }
                return (low + high) / 2
            }
        }
        return nil
    }

    /// The largest |H| over `regions` ([low, high] Hz), from the dense grid refined at its peak.
    static func peak(_ h: [Double], dense: [Double], over regions: [[Double]], rate: Double) -> Double {
        let step = rate / 2 / Double(dense.count - 1)
        var best = 0.0
        for region in regions {
            let first = Int((region[0] / step).rounded(.up)), last = min(dense.count - 1, Int((region[1] / step).rounded(.down)))
            // The region's own edges, which may fall between grid points.
            best = max(best, magnitude(h, at: region[0], rate: rate), magnitude(h, at: region[1], rate: rate))
            guard first <= last else { continue }
            var top = first
            for bin in first...last where dense[bin] > dense[top] { top = bin }
            // A local maximum between grid points: golden-section search around the top bin.
            var a = max(region[0], Double(top - 1) * step), b = min(region[1], Double(top + 1) * step)
            for _ in 0..<30 {
                let m1 = b - (b - a) / 1.618033988749895, m2 = a + (b - a) / 1.618033988749895
                if magnitude(h, at: m1, rate: rate) < magnitude(h, at: m2, rate: rate) { a = m1 } else { b = m2 }
            }
            best = max(best, magnitude(h, at: (a + b) / 2, rate: rate), dense[top])
        }
        return best
    }

    /// The stopband regions of a band filter: beyond half a transition width from each cutoff,
    /// within 0 … rate/2. A band-stop narrower than the transition is measured at its centre.
    public static func stopbands(type: FilterType, cutoffs: [Double], transition: Double, rate: Double) -> [[Double]] {
        let nyquist = rate / 2, half = transition / 2
        var regions: [[Double]]
        switch type {
        case .lowpass: regions = [[cutoffs[0] + half, nyquist]]
        case .highpass: regions = [[0, cutoffs[0] - half]]
        case .bandpass: regions = [[0, cutoffs[0] - half], [cutoffs[1] + half, nyquist]]
        case .bandstop:
            let low = cutoffs[0] + half, high = cutoffs[1] - half
            let centre = (cutoffs[0] + cutoffs[1]) / 2
            regions = [low <= high ? [low, high] : [centre, centre]]
        default: regions = []
        }
        return regions.map { [max(0, $0[0]), min(nyquist, $0[1])] }.filter { $0[0] <= $0[1] }
    }

    /// Measures a band filter (lowpass, highpass, bandpass, bandstop) with the given transition width.
    static func measureBandFilter(_ h: [Double], type: FilterType, cutoffs: [Double], transition: Double, rate: Double) throws -> MeasuredResponse {
        let dense = try denseMagnitudes(h)
        var measured = MeasuredResponse()
        measured.minus6dBHz = cutoffs.map { halfGainCrossing(h, dense: dense, near: $0, reach: transition, rate: rate) }
        measured.cutoffGainDB = cutoffs.map { decibels(magnitude(h, at: $0, rate: rate)) }
        let regions = stopbands(type: type, cutoffs: cutoffs, transition: transition, rate: rate)
        if !regions.isEmpty {
            measured.stopbands = regions
            measured.stopbandAttenuationDB = -decibels(peak(h, dense: dense, over: regions, rate: rate))
        }
        return measured
    }

    /// The worst error in dB of an EQ design at its points.
    static func measurePoints(_ h: [Double], points: [(frequency: Double, decibels: Double)], rate: Double) -> MeasuredResponse {
        var measured = MeasuredResponse()
        for point in points {
            let error = decibels(magnitude(h, at: point.frequency, rate: rate)) - point.decibels
            if measured.worstPointErrorDB.map({ abs(error) > abs($0) }) ?? true {
                measured.worstPointErrorDB = error
                measured.worstPointHz = point.frequency
            }
        }
        return measured
    }

    /// The deviation of the amplitude from the desired response over each band, sampled finely.
    static func measureBands(_ h: [Double], bands: [Double], desired: [Double], rate: Double, differentiator: Bool = false) throws -> MeasuredResponse {
        let dense = try denseMagnitudes(h)
        let step = rate / 2 / Double(dense.count - 1)
        var measured = MeasuredResponse()
        measured.bands = stride(from: 0, to: bands.count, by: 2).map { index in
            let low = bands[index], high = bands[index + 1]
            let d0 = desired[index], d1 = desired[index + 1]
            func target(_ f: Double) -> Double {
                let t = high > low ? (f - low) / (high - low) : 0
                let value = d0 + t * (d1 - d0)
                return differentiator ? value * f / rate : value
            }
            var worst = 0.0
            var frequencies = [low, high]
            var bin = Int((low / step).rounded(.up))
            while Double(bin) * step <= high && bin < dense.count { frequencies.append(Double(bin) * step); bin += 1 }
            for f in frequencies {
                let bin = min(dense.count - 1, Int((f / step).rounded()))
                let value = abs(Double(bin) * step - f) < 1e-9 * rate ? dense[bin] : magnitude(h, at: f, rate: rate)
                worst = max(worst, abs(value - target(f)))
            }
            let stop = d0 == 0 && d1 == 0
            let db = stop ? -decibels(worst) : 20 * log10(1 + worst)
            return BandDeviation(lowHz: low, highHz: high, desired: [d0, d1], deviation: worst, deviationDB: db)
        }
        return measured
    }

    static func decibels(_ magnitude: Double) -> Double { 20 * log10(max(magnitude, 1e-15)) }

    /// A level in dB for messages, with one decimal and a true minus sign.
    public static func format(decibels value: Double, sign: Bool = false) -> String {
        String(format: sign ? "%+.1f dB" : "%.1f dB", value).replacingOccurrences(of: "-", with: "−")
    }

    /// The smallest odd number of taps from `start` up to `limit` for which `meets` holds, found by
    /// growing by a quarter, then bisecting; nil when even `limit` does not meet it.
    public static func tapsToMeet(from start: Int, limit: Int, _ meets: (Int) throws -> Bool) rethrows -> Int? {
        var failing = max(1, start) | 1
        var candidate = failing
        while true {
            candidate = min(limit, (candidate + max(2, candidate / 4)) | 1)
            if try meets(candidate) { break }
            if candidate >= limit { return nil }
            failing = candidate
        }
        var passing = candidate
        while passing - failing > 2 {
            let middle = ((failing + passing) / 2) | 1
            if middle == passing { break }
            if try meets(middle) { passing = middle } else { failing = middle }
        }
        return passing
    }
}
