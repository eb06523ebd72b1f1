import Foundation

/// What `sfconv design` makes.
public enum FilterType: String, CaseIterable, Sendable {
    case lowpass, highpass, bandpass, bandstop, ramp, eq, remez, firls
}

/// Window-method FIR design, Kaiser order estimation, frequency sampling, the ramp filter and
/// minimum-phase conversion. Frequencies are in Hz at `rate`; results are the taps, in order.
public enum FIRDesign {
    /// The largest number of taps accepted.
    public static let maximumTaps = 1 << 22

    /// `scipy.signal.firwin(taps, cutoffs, window, pass_zero, scale=True, fs=rate)`.
    ///
    /// - Parameters:
    ///   - cutoffs: band edges in Hz, increasing, each in (0, rate/2).
    ///   - passZero: whether the band from 0 Hz to the first edge passes.
    public static func windowed(taps: Int, cutoffs: [Double], passZero: Bool, window: Window, rate: Double) throws -> [Double] {
        try checkTaps(taps)
        try checkCutoffs(cutoffs, rate: rate)
        let nyquist = rate / 2
        let passNyquist = (cutoffs.count % 2 == 1) != passZero
        if passNyquist && taps % 2 == 0 {
            throw SFConvError("a filter that passes half the rate (highpass, bandstop) needs an odd number of taps, not \(taps)")
        }
        // Band edges as fractions of Nyquist, in pairs [left, right] of passbands.
        var edges = cutoffs.map { $0 / nyquist }
        if passZero { edges.insert(0, at: 0) }
        if passNyquist { edges.append(1) }
        let centre = Double(taps - 1) / 2
        let windowValues = window.values(count: taps)
        var h = (0..<taps).map { n -> Double in
            let m = Double(n) - centre
            var value = 0.0
            for band in stride(from: 0, to: edges.count, by: 2) {
                value += edges[band + 1] * sinc(edges[band + 1] * m) - edges[band] * sinc(edges[band] * m)
            }
            return value * windowValues[n]
        }
        // Unit gain at 0 Hz, at Nyquist, or at the centre of the first passband.
        let (left, right) = (edges[0], edges[1])
        let scaleFrequency = left == 0 ? 0 : right == 1 ? 1 : (left + right) / 2
        let gain = (0..<taps).reduce(0.0) { $0 + h[$1] * cos(.pi * (Double($1) - centre) * scaleFrequency) }
        for i in h.indices { h[i] /= gain }
        return h
    }

    /// `scipy.signal.kaiserord`: taps and β for a Kaiser-window design whose stopband is at least
    /// `attenuation` dB down, with a transition `transition` Hz wide.
    public static func kaiserOrder(attenuation: Double, transition: Double, rate: Double) throws -> (taps: Int, beta: Double) {
        guard attenuation.isFinite, attenuation > 0 else { throw SFConvError("the attenuation must be a positive number of dB, not \(Numbers.format(attenuation))") }
        guard transition.isFinite, transition > 0, transition < rate / 2 else {
            throw SFConvError("the transition must be above 0 and below half the rate (\(Numbers.format(rate / 2)) Hz), not \(Numbers.format(transition))")
        }
        let width = transition / (rate / 2)
        let taps = try Numbers.wholeRoundingUp((attenuation - 7.95) / 2.285 / (Double.pi * width) + 1,
                                             "the number of taps for this transition and attenuation", range: Int.min / 2...maximumTaps)
        return (max(taps, 1), kaiserBeta(attenuation: attenuation))
    }

    /// The stopband attenuation in dB that `kaiserBeta` maps to β (its inverse; 21 dB for β = 0).
    public static func kaiserAttenuation(beta: Double) -> Double {
        if beta > kaiserBeta(attenuation: 50) { return beta / 0.1102 + 8.7 }
        var low = 21.0, high = 50.0
        for _ in 0..<60 {
            let middle = (low + high) / 2
            if kaiserBeta(attenuation: middle) < beta { low = middle } else { high = middle }
        }
        return (low + high) / 2
    }

    /// `scipy.signal.kaiser_beta`.
    public static func kaiserBeta(attenuation a: Double) -> Double {
        if a > 50 { return 0.1102 * (a - 8.7) }
        if a > 21 { return 0.5842 * pow(a - 21, 0.4) + 0.07886 * (a - 21) }
        return 0
    }

    /// The Ram-Lak ramp filter of Kak & Slaney: h[0] = 1/4, h[n] = −1/(πn)² for odd n, 0 for even
    /// n ≠ 0, for n = −(taps−1)/2 … (taps−1)/2. With a window other than rect, that window
    /// (``RampWindow``) shapes the ramp's frequency response and the kernel is its inverse transform.
    public static func ramp(taps: Int, window: RampWindow = .ramLak) throws -> [Double] {
        try checkTaps(taps)
        guard taps % 2 == 1 else { throw SFConvError("the ramp filter needs an odd number of taps, not \(taps)") }
        let half = (taps - 1) / 2
        let ramLak = (-half...half).map { n -> Double in
            if n == 0 { return 0.25 }
            return n % 2 == 0 ? 0 : -1 / pow(Double.pi * Double(n), 2)
        }
        guard window != .ramLak else { return ramLak }
        // Shape the response on a grid fine enough that the circular wrap is far away.
        var size = 64
        while size < 4 * taps { size *= 2 }
        var circular = [Double](repeating: 0, count: size)
        for (i, value) in ramLak.enumerated() { circular[(i - half + size) % size] = value }
        let fft = try RealFFT<Double>(size: size, planning: .estimate)
        let shaped = try transform(circular, fft: fft) { spectrum in
            for bin in 0...(size / 2) {
                let gain = window.gain(normalizedFrequency: Double(bin) / Double(size))
                spectrum[2 * bin] *= gain
                spectrum[2 * bin + 1] *= gain
            }
        }
        return (-half...half).map { shaped[($0 + size) % size] }
    }

    /// `scipy.signal.firwin2(taps, frequencies, gains, window=window, fs=rate)`: frequency sampling of
    /// a response given at points from 0 Hz to rate/2 (linear gain, linear interpolation).
    public static func frequencySampled(taps: Int, frequencies: [Double], gains: [Double], window: Window, rate: Double) throws -> [Double] {
        try checkTaps(taps)
        let nyquist = rate / 2
        guard frequencies.count == gains.count, frequencies.count >= 2, frequencies.first == 0, frequencies.last == nyquist,
              zip(frequencies, frequencies.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw SFConvError("the response points must rise strictly from 0 Hz to half the rate")
        }
        if taps % 2 == 0 && gains.last != 0 {
            throw SFConvError("an even number of taps needs zero gain at half the rate; use an odd number of taps")
        }
        var gridPoints = 1
        while gridPoints < taps { gridPoints *= 2 }
        let binCount = gridPoints + 1
        let size = 2 * gridPoints
        let fft = try RealFFT<Double>(size: size, planning: .estimate)
        let spectrum = AlignedBuffer<Double>(count: size + 2)
        let delay = Double(taps - 1) / 2
        var segment = 0
        for bin in 0..<binCount {
            let frequency = Double(bin) / Double(gridPoints) * nyquist
            while segment < frequencies.count - 2 && frequency > frequencies[segment + 1] { segment += 1 }
            let f0 = frequencies[segment], f1 = frequencies[segment + 1]
            let t = min(1, max(0, (frequency - f0) / (f1 - f0)))
            let gain = gains[segment] + t * (gains[segment + 1] - gains[segment])
            let phase = -delay * Double.pi * frequency / nyquist
            spectrum.pointer[2 * bin] = Double(gain * cos(phase))
            spectrum.pointer[2 * bin + 1] = Double(gain * sin(phase))
        }
        // Nyquist must be real for a real inverse; firwin2 keeps its real part too.
        spectrum.pointer[2 * (binCount - 1) + 1] = 0
        let time = AlignedBuffer<Double>(count: size)
        fft.inverse(spectrum.pointer, output: time.pointer)
        let windowValues = window.values(count: taps)
        return (0..<taps).map { Double(time.pointer[$0]) / Double(size) * windowValues[$0] }
    }

    /// An arbitrary magnitude response from (Hz, dB) points, interpolated in dB over log frequency
    /// (flat beyond the first and last points), then designed by ``frequencySampled``.
    public static func equalizer(taps: Int, points: [(frequency: Double, decibels: Double)], window: Window, rate: Double) throws -> [Double] {
        let nyquist = rate / 2
        guard !points.isEmpty else { throw SFConvError("an eq needs at least one Hz:dB point") }
        for point in points where !(point.frequency > 0 && point.frequency < nyquist) {
            throw SFConvError("the point at \(Numbers.format(point.frequency)) Hz must be above 0 and below half the rate (\(Numbers.format(nyquist)) Hz)")
        }
        guard zip(points, points.dropFirst()).allSatisfy({ $0.frequency < $1.frequency }) else {
            throw SFConvError("the eq points must rise in frequency")
        }
        // The curve on firwin2's own grid for this length (at least 1024 steps), so that low
        // points are sampled as finely as the filter can resolve them.
        var gridCount = 1024
        while gridCount < taps { gridCount *= 2 }
        let frequencies = (0...gridCount).map { Double($0) / Double(gridCount) * nyquist }
        let gains = frequencies.enumerated().map { index, frequency -> Double in
            if taps % 2 == 0 && index == gridCount { return 0 }
            guard frequency > points[0].frequency else { return pow(10, points[0].decibels / 20) }
            guard frequency < points.last!.frequency else { return pow(10, points.last!.decibels / 20) }
            let upper = points.firstIndex { $0.frequency >= frequency }!
            let a = points[upper - 1], b = points[upper]
            let t = log(frequency / a.frequency) / log(b.frequency / a.frequency)
            return pow(10, (a.decibels + t * (b.decibels - a.decibels)) / 20)
        }
        return try frequencySampled(taps: taps, frequencies: frequencies, gains: gains, window: window, rate: rate)
    }

    /// Parses `--points "20:0,200:+3,2000:-2"` (Hz:dB pairs).
    /// The points must rise in frequency.
    public static func parsePoints(_ text: String) throws -> [(frequency: Double, decibels: Double)] {
        let points = try text.split(separator: ",").map { item in
            let parts = item.split(separator: ":").map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let frequency = Double(parts[0]), let decibels = Double(parts[1]),
                  frequency.isFinite, decibels.isFinite else {
                throw SFConvError("'\(item)' is not HZ:DB (for example 200:+3)")
            }
            return (frequency: frequency, decibels: decibels)
        }
        for (index, pair) in zip(points, points.dropFirst()).enumerated() where !(pair.1.frequency > pair.0.frequency) {
            throw SFConvError("the points must rise in frequency: point \(index + 2) (\(Numbers.format(pair.1.frequency)) Hz) comes after \(Numbers.format(pair.0.frequency)) Hz")
        }
        return points
    }

    /// A minimum-phase filter with the magnitude response of `h`, by the homomorphic (cepstral)
    /// method on a grid of at least 32 × N points: its energy comes first and its delay is small.
    /// Trailing taps holding less than 10⁻¹² of the energy (−120 dB) are dropped. (Cutting it to
    /// (N+1)/2 taps, as scipy's `minimum_phase` does for a square-root magnitude, cost 30 dB of
    /// stopband on a 255-tap Blackman low-pass, so the full magnitude keeps its length.)
    public static func minimumPhase(_ h: [Double]) throws -> [Double] {
        guard h.count > 2 else { return h }
        var size = 64
        while size < 32 * h.count { size *= 2 }
        let fft = try RealFFT<Double>(size: size, planning: .estimate)
        var padded = [Double](repeating: 0, count: size)
        for (i, value) in h.enumerated() { padded[i] = value }
        // log|H| → real cepstrum.
        let floor = 1e-7 * (try magnitudes(padded, fft: fft).filter { $0 > 0 }.min() ?? 1)
        let cepstrum = try transform(padded, fft: fft) { spectrum in
            for bin in 0...(size / 2) {
                let re = Double(spectrum[2 * bin]), im = Double(spectrum[2 * bin + 1])
                spectrum[2 * bin] = Double(log((re * re + im * im).squareRoot() + floor))
                spectrum[2 * bin + 1] = 0
            }
        }
        // Fold the cepstrum onto positive quefrencies: the minimum-phase one.
        var folded = [Double](repeating: 0, count: size)
        folded[0] = cepstrum[0]
        for n in 1..<(size / 2) { folded[n] = 2 * cepstrum[n] }
        folded[size / 2] = cepstrum[size / 2]
        let minimum = try transform(folded, fft: fft) { spectrum in
            for bin in 0...(size / 2) {
                let re = Double(spectrum[2 * bin]), im = Double(spectrum[2 * bin + 1])
                let magnitude = exp(re)
                spectrum[2 * bin] = Double(magnitude * cos(im))
                spectrum[2 * bin + 1] = Double(magnitude * sin(im))
            }
        }
        var kept = h.count
        let total = minimum[0..<h.count].reduce(0) { $0 + $1 * $1 }
        var tail = 0.0
        while kept > 1 && tail + minimum[kept - 1] * minimum[kept - 1] < 1e-12 * total {
            tail += minimum[kept - 1] * minimum[kept - 1]
            kept -= 1
        }
        return Array(minimum[0..<kept])
    }

    /// |H| at `count` frequencies from 0 to rate/2 (linear), and the phase in radians.
    public static func response(_ h: [Double], frequencies: [Double], rate: Double) -> [(magnitude: Double, phase: Double)] {
        frequencies.map { frequency in
            let omega = 2 * Double.pi * frequency / rate
            var re = 0.0, im = 0.0
            for (n, value) in h.enumerated() {
                re += value * cos(omega * Double(n))
                im -= value * sin(omega * Double(n))
            }
            return ((re * re + im * im).squareRoot(), atan2(im, re))
        }
    }

    // MARK: - helpers

    /// Cutoffs must rise and lie strictly between 0 and half the rate.
    static func checkCutoffs(_ cutoffs: [Double], rate: Double) throws {
        let nyquist = rate / 2
        for cutoff in cutoffs where !(cutoff > 0 && cutoff < nyquist) {
            throw SFConvError("cutoff \(Numbers.format(cutoff)) Hz must be above 0 and below half the rate (\(Numbers.format(nyquist)) Hz)")
        }
        guard zip(cutoffs, cutoffs.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw SFConvError("the band edges must increase: \(cutoffs.map(Numbers.format).joined(separator: ", ")) Hz")
        }
    }

    static func checkTaps(_ taps: Int) throws {
        guard taps >= 1, taps <= maximumTaps else { throw SFConvError("the number of taps must be from 1 to \(maximumTaps), not \(taps)") }
    }

    static func sinc(_ x: Double) -> Double {
        x == 0 ? 1 : sin(Double.pi * x) / (Double.pi * x)
    }


    /// Forward FFT of `signal` (length fft.size), `edit` on the interleaved spectrum, inverse FFT,
    /// scaled back: the edited signal.
    private static func transform(_ signal: [Double], fft: RealFFT<Double>, edit: (UnsafeMutablePointer<Double>) -> Void) throws -> [Double] {
        let time = AlignedBuffer<Double>(count: fft.size)
        let spectrum = AlignedBuffer<Double>(count: fft.size + 2)
        for (i, value) in signal.enumerated() { time.pointer[i] = value }
        fft.forward(time.pointer, spectrum: spectrum.pointer)
        edit(spectrum.pointer)
        fft.inverse(spectrum.pointer, output: time.pointer)
        return (0..<fft.size).map { Double(time.pointer[$0]) / Double(fft.size) }
    }

    private static func magnitudes(_ signal: [Double], fft: RealFFT<Double>) throws -> [Double] {
        let time = AlignedBuffer<Double>(count: fft.size)
        let spectrum = AlignedBuffer<Double>(count: fft.size + 2)
        for (i, value) in signal.enumerated() { time.pointer[i] = value }
        fft.forward(time.pointer, spectrum: spectrum.pointer)
        return (0...(fft.size / 2)).map { bin in
            let re = Double(spectrum.pointer[2 * bin]), im = Double(spectrum.pointer[2 * bin + 1])
            return (re * re + im * im).squareRoot()
        }
    }
}

/// Windows for the ramp filter's frequency response (as scikit-image's `iradon` filters), as a
/// function of frequency ν in cycles per sample (0 … ½).
public enum RampWindow: String, CaseIterable, Sendable {
    case ramLak = "ram-lak"
    case sheppLogan = "shepp-logan"
    case cosine, hamming, hann

    func gain(normalizedFrequency nu: Double) -> Double {
        switch self {
        case .ramLak: 1
        case .sheppLogan: nu == 0 ? 1 : sin(Double.pi * nu) / (Double.pi * nu)
        case .cosine: cos(Double.pi * nu)
        case .hamming: 0.54 + 0.46 * cos(2 * Double.pi * nu)
        case .hann: 0.5 + 0.5 * cos(2 * Double.pi * nu)
        }
    }
}
