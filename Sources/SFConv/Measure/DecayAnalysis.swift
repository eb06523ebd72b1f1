import Foundation

/// Where an impulse response's decay meets its background noise, by Lundeby's iterative method
/// (Lundeby, Vigran, Bietz, Vorländer, Acustica 81, 1995), and the late decay that continues below it.
public struct NoiseEstimate: Sendable, Equatable {
    /// Mean power (mean square, linear) of the background noise per sample.
    public var noisePower: Double
    /// The frame (from the start of the energy given) where the late decay line meets the noise.
    /// Equal to the count when the decay never reaches it.
    public var crossing: Int
    /// The late decay line, 10·log10 of the mean power per sample: intercept (dB at frame 0) and
    /// slope (dB per frame, negative); nil when no decay was found.
    public var lateIntercept: Double?
    public var lateSlope: Double?

    /// 10·log10(noisePower).
    public var noiseLevel: Double { 10 * log10(max(noisePower, 1e-300)) }

    /// The energy the decay would have had after the crossing point had there been no noise
    /// (the extrapolated line summed from `crossing` to infinity), the Schroeder integral's
    /// compensation term.
    public var compensation: Double { tailEnergy(from: crossing, to: nil) }

    /// The extrapolated decay's energy over frames `from ..< to` (to infinity when nil); 0 without a decay.
    public func tailEnergy(from start: Int, to end: Int?) -> Double {
        guard let slope = lateSlope, let intercept = lateIntercept, slope < 0 else { return 0 }
        let q = pow(10, slope / 10)
        let first = pow(10, (intercept + slope * Double(start)) / 10)
        guard let end else { return first / (1 - q) }
        guard end > start else { return 0 }
        return first * (1 - pow(q, Double(end - start))) / (1 - q)
    }

    /// Σ n·E(n) of the extrapolated decay from `start` to infinity (for the centre time).
    func tailMoment(from start: Int) -> Double {
        guard let slope = lateSlope, let intercept = lateIntercept, slope < 0 else { return 0 }
        let q = pow(10, slope / 10)
        let first = pow(10, (intercept + slope * Double(start)) / 10)
        return first * (Double(start) / (1 - q) + q / ((1 - q) * (1 - q)))
    }
}

/// Schroeder backward integration with noise compensation, and the figures of ISO 3382-1.
public enum DecayAnalysis {
    /// A straight line fitted by least squares, with r² (1 for a perfectly exponential decay).
    public struct LineFit: Sendable, Equatable {
        public var intercept: Double
        public var slope: Double
        public var rSquared: Double
    }

    /// Least-squares line through (x, y[x]) for x in `range` (at least 2 points).
    static func fit(_ y: UnsafeBufferPointer<Double>, _ range: Range<Int>) -> LineFit? {
        guard range.count >= 2 else { return nil }
        let n = Double(range.count)
        var sx = 0.0, sy = 0.0
        for i in range {
            sx += Double(i)
            sy += y[i]
        }
        let mx = sx / n, my = sy / n
        var sxx = 0.0, sxy = 0.0, syy = 0.0
        for i in range {
            let dx = Double(i) - mx, dy = y[i] - my
            sxx += dx * dx
            sxy += dx * dy
            syy += dy * dy
        }
        guard sxx > 0 else { return nil }
        let slope = sxy / sxx
        let r2 = syy > 0 ? (sxy * sxy) / (sxx * syy) : 1
        return LineFit(intercept: my - slope * mx, slope: slope, rSquared: r2)
    }

    static func fit(_ y: [Double], _ range: Range<Int>) -> LineFit? {
        y.withUnsafeBufferPointer { fit($0, range) }
    }

    /// Mean power in consecutive blocks of `blockFrames`, in dB; the last partial block is dropped
    /// unless it is the only one. Block j stands for time (j + ½)·blockFrames.
    static func blockLevels(_ energy: [Double], blockFrames: Int) -> [Double] {
        let count = max(1, energy.count / blockFrames)
        return (0..<count).map { j in
            let range = (j * blockFrames)..<min(energy.count, (j + 1) * blockFrames)
            var sum = 0.0
            for i in range { sum += energy[i] }
            return 10 * log10(max(sum / Double(max(1, range.count)), 1e-300))
        }
    }

    /// Lundeby's method on `energy` (squared samples from the start of the response), `rate` in Hz.
    public static func lundeby(energy: [Double], rate: Int) -> NoiseEstimate {
        let count = energy.count
        let tailStart = count - max(1, count / 10)
        // No noise is taken to lie more than 130 dB below the peak: what a response holds down
        // there is rounding (single-precision FFTs, 24-bit samples), not a stationary noise, and the
        // cut end of a noise-free response would otherwise pass for the decay.
        let floor = (energy.max() ?? 0) * Self.noiseFloorLimit
        func mean(_ range: Range<Int>) -> Double { max(Self.mean(energy, range), floor) }
        var noise = mean(tailStart..<count)
        var result = NoiseEstimate(noisePower: noise, crossing: count, lateIntercept: nil, lateSlope: nil)
        // 1–4: 10 ms blocks; a line from the peak block down to 10 dB above the noise; where it meets the noise.
        var blockFrames = max(1, rate / 100)
        var levels = blockLevels(energy, blockFrames: blockFrames)
        guard let peakBlock = levels.indices.max(by: { levels[$0] < levels[$1] }) else { return result }
        let noiseDB = 10 * log10(max(noise, 1e-300))
        var end = peakBlock + 1
        while end < levels.count && levels[end] > noiseDB + 10 { end += 1 }
        guard var line = fit(levels, peakBlock..<end), line.slope < 0 else { return result }
        // The line in frames: level(t) = intercept + slope·t, t in frames, blocks at (j + ½)·B.
        func toFrames(_ l: LineFit, _ b: Int) -> (intercept: Double, slope: Double) {
            let slope = l.slope / Double(b)
            return (l.intercept - slope * 0.5 * Double(b), slope)
        }
        var frameLine = toFrames(line, blockFrames)
        let firstSlope = frameLine.slope
        var crossing = (noiseDB - frameLine.intercept) / frameLine.slope
        // 5–9: finer blocks (5 per 10 dB of decay), noise from 10 dB below the crossing, the late
        // decay fitted from 5 to 25 dB above the noise, a new crossing; until it settles.
        for _ in 0..<10 {
            let framesPer10dB = 10 / -frameLine.slope
            blockFrames = max(Int(min(framesPer10dB / 5, Double(count))), max(1, rate / 2000))
            levels = blockLevels(energy, blockFrames: blockFrames)
            let noiseFrom = Int(min(Double(tailStart), max(0, crossing + framesPer10dB)))
            noise = mean(noiseFrom..<count)
            let level = 10 * log10(max(noise, 1e-300))
            guard let peak = levels.indices.max(by: { levels[$0] < levels[$1] }) else { break }
            var first = peak
            while first < levels.count && levels[first] > level + 25 { first += 1 }
            var last = first
            while last < levels.count && levels[last] > level + 5 { last += 1 }
            if last - first < 2 {
                // Less than 20 dB of decay above the noise: fit what there is, from the peak.
                first = peak
            }
            // A late decay five times slower than the first estimate is not the room's decay but
            // what follows its end (a response cut or faded to numerical noise): keep the estimate.
            guard let late = fit(levels, first..<last), late.slope < 0, late.slope / Double(blockFrames) < firstSlope / 5 else { break }
            line = late
            frameLine = toFrames(line, blockFrames)
            let newCrossing = (level - frameLine.intercept) / frameLine.slope
            let settled = abs(newCrossing - crossing) < Double(blockFrames)
            crossing = newCrossing
            result.noisePower = noise
            if settled { break }
        }
        result.noisePower = noise
        result.lateIntercept = frameLine.intercept
        result.lateSlope = frameLine.slope
        result.crossing = crossing.isFinite ? Int(min(Double(count), max(1, crossing.rounded()))) : count
        return result
    }

    /// The lowest noise power, relative to the peak's: 130 dB below it.
    static let noiseFloorLimit = 1e-13

    static func mean(_ values: [Double], _ range: Range<Int>) -> Double {
        guard !range.isEmpty else { return 0 }
        var sum = 0.0
        for i in range { sum += values[i] }
        return sum / Double(range.count)
    }

    /// The energy up to the crossing point with the noise's mean power taken away (Chu's
    /// subtraction, which with Lundeby's truncation and compensation is the least biased of the
    /// usual noise corrections).
    public static func noiseSubtracted(energy: [Double], noise: NoiseEstimate) -> [Double] {
        energy.prefix(min(noise.crossing, energy.count)).map { $0 - noise.noisePower }
    }

    /// The Schroeder curve in dB re its start: Σₜ^{crossing} (h² − noise) + compensation, up to the crossing.
    public static func schroederCurve(energy: [Double], noise: NoiseEstimate) -> [Double] {
        let clean = noiseSubtracted(energy: energy, noise: noise)
        var curve = [Double](repeating: 0, count: clean.count)
        var sum = noise.compensation
        for i in stride(from: clean.count - 1, through: 0, by: -1) {
            sum += clean[i]
            curve[i] = sum
        }
        let total = curve.first ?? 1
        guard total > 0 else { return curve.map { _ in -300 } }
        return curve.map { 10 * log10(max($0 / total, 1e-30)) }
    }

    /// The decay time from the Schroeder curve's fit between `high` and `low` dB (e.g. −5 and −35
    /// for T30), extrapolated to 60 dB, in seconds; nil when the curve does not reach `low`.
    public static func decayTime(curve: [Double], from high: Double, to low: Double, rate: Int) -> (seconds: Double, rSquared: Double)? {
        guard let start = curve.firstIndex(where: { $0 <= high }),
              let end = curve[start...].firstIndex(where: { $0 <= low }),
              let line = fit(curve, start..<(end + 1)), line.slope < 0 else { return nil }
        return (-60 / (line.slope * Double(rate)), line.rSquared)
    }
}
