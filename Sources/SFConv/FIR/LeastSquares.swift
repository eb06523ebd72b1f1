import Foundation

/// Least-squares linear-phase FIR design: `scipy.signal.firls(taps, bands, desired, weight=weights, fs=rate)`.
///
/// The filter minimises Σ_bands w ∫ |H(f)·e^{jπf(N−1)} − D(f)|² df, with D linear over each band
/// (from its edge values) and the gaps between bands left free. The normal equations of that
/// problem in the taps themselves form a symmetric Toeplitz system, T h = d with
/// T[n, m] = Σ w ∫ cos(π f (n − m)) df, solved by Levinson's recursion in O(N²) — where scipy builds
/// the equivalent Toeplitz-plus-Hankel cosine system and factors it densely in O(N³).
public enum LeastSquaresDesign {
    /// - Parameters:
    ///   - bands: band edges in Hz, in pairs, non-decreasing, from 0 to rate/2.
    ///   - desired: the amplitude at each band edge (linear, ≥ 0), one per entry of `bands`.
    ///   - weights: one per band (≥ 0); nil for all 1.
    public static func design(taps: Int, bands: [Double], desired: [Double], weights: [Double]?, rate: Double) throws -> [Double] {
        try FIRDesign.checkTaps(taps)
        try BandSpecification.check(bands: bands, rate: rate)
        guard desired.count == bands.count else {
            throw SFConvError("firls needs one desired value per band edge: \(bands.count) edges, \(desired.count) desired values")
        }
        guard desired.allSatisfy({ $0.isFinite && $0 >= 0 }) else { throw SFConvError("the desired values must be finite and ≥ 0") }
        if taps % 2 == 0, bands.last == rate / 2, desired.last != 0 {
            throw SFConvError("an even number of taps has zero gain at half the rate, where the last band asks for \(Numbers.format(desired.last!)); use an odd number of taps")
        }
        let weights = try BandSpecification.weights(weights, bandCount: bands.count / 2)
        let nyquist = rate / 2
        let edges = bands.map { $0 / nyquist }
        let centre = Double(taps - 1) / 2

        // t[k] = Σ w ∫ cos(π k f) df and d[n] = Σ w ∫ D(f) cos(π (n − centre) f) df over each band.
        var t = [Double](repeating: 0, count: taps)
        var d = [Double](repeating: 0, count: taps)
        for band in 0..<(edges.count / 2) where weights[band] > 0 {
            let f1 = edges[2 * band], f2 = edges[2 * band + 1], w = weights[band]
            guard f2 > f1 else { continue }
            let slope = (desired[2 * band + 1] - desired[2 * band]) / (f2 - f1)
            let intercept = desired[2 * band] - slope * f1
            for k in 0..<taps { t[k] += w * cosineIntegral(Double(k), f1, f2) }
            for n in 0..<taps { d[n] += w * rampCosineIntegral(Double(n) - centre, intercept, slope, f1, f2) }
        }
        guard t[0] > 0 else { throw SFConvError("firls needs a band of non-zero width and weight") }
        // A long filter with free transition bands makes T singular to working precision: some
        // tap patterns put all their energy in the transitions, where nothing is asked, and the
        // recursion's rounding grows there. The exact solution is symmetric, so asymmetry shows
        // it; as scipy then falls back to a least-norm solution, a ridge keeps those patterns out
        // (the smallest that leaves the taps symmetric to 1e-6 of the peak, then made exactly so).
        for ridge in [0, 1e-13, 1e-12, 1e-11, 1e-10, 1e-9, 1e-8] {
            var loaded = t
            loaded[0] *= 1 + ridge
            guard let h = try solveToeplitz(loaded, d) else { continue }
            let peak = h.map(abs).max() ?? 0
            let asymmetry = (0..<(taps / 2)).map { abs(h[$0] - h[taps - 1 - $0]) }.max() ?? 0
            guard asymmetry <= 1e-6 * peak else { continue }
            return (0..<taps).map { (h[$0] + h[taps - 1 - $0]) / 2 }
        }
        throw SFConvError("the least-squares system for \(taps) taps is singular to working precision: the bands leave too much of the spectrum free for this length; widen the bands or use fewer taps")
    }

    /// ∫_{f1}^{f2} cos(π m f) df.
    static func cosineIntegral(_ m: Double, _ f1: Double, _ f2: Double) -> Double {
        guard m != 0 else { return f2 - f1 }
        let a = Double.pi * m
        return (sin(a * f2) - sin(a * f1)) / a
    }

    /// ∫_{f1}^{f2} (c + s f) cos(π m f) df.
    static func rampCosineIntegral(_ m: Double, _ c: Double, _ s: Double, _ f1: Double, _ f2: Double) -> Double {
        guard m != 0 else { return c * (f2 - f1) + s * (f2 * f2 - f1 * f1) / 2 }
        let a = Double.pi * m
        func antiderivative(_ f: Double) -> Double { (c + s * f) * sin(a * f) / a + s * cos(a * f) / (a * a) }
        return antiderivative(f2) - antiderivative(f1)
    }

    /// Solves T x = b for the symmetric positive definite Toeplitz T with first column `t`
    /// (Levinson's recursion); nil when T is singular to working precision.
    static func solveToeplitz(_ t: [Double], _ b: [Double]) throws -> [Double]? {
        let n = t.count
        var predictor = [Double](repeating: 0, count: n)   // a: T_k a = E e_0, a[0] = 1
        var scratch = [Double](repeating: 0, count: n)
        var x = [Double](repeating: 0, count: n)
        predictor[0] = 1
        var error = t[0]
        x[0] = b[0] / t[0]
        let floor = t[0] * 1e-14
        let solved = t.withUnsafeBufferPointer { t in
            predictor.withUnsafeMutableBufferPointer { a in
                scratch.withUnsafeMutableBufferPointer { s in
                    x.withUnsafeMutableBufferPointer { x -> Bool in
                        for k in 1..<max(1, n) {
                            var gamma = 0.0, residual = b[k]
                            for i in 0..<k {
                                gamma += a[i] * t[k - i]
                                residual -= t[k - i] * x[i]
                            }
                            let reflection = -gamma / error
                            for i in 0...k { s[i] = a[i] + reflection * (i == 0 ? 0 : a[k - i]) }
                            s[0] = 1
                            for i in 1...k { a[i] = s[i] }
                            error *= 1 - reflection * reflection
                            guard error > floor, error.isFinite else { return false }
                            let scale = residual / error
                            for i in 0...k { x[i] += scale * a[k - i] }
                        }
                        return true
                    }
                }
            }
        }
        return solved ? x : nil
    }
}

/// Checks shared by the band-based designs (remez, firls).
enum BandSpecification {
    static func check(bands: [Double], rate: Double) throws {
        let nyquist = rate / 2
        guard !bands.isEmpty, bands.count % 2 == 0 else {
            throw SFConvError("the bands must be pairs of edges in Hz (low,high per band), not \(bands.count) value(s)")
        }
        for edge in bands where !(edge.isFinite && edge >= 0 && edge <= nyquist) {
            throw SFConvError("band edge \(Numbers.format(edge)) Hz must be from 0 to half the rate (\(Numbers.format(nyquist)) Hz)")
        }
        for band in 0..<(bands.count / 2) where !(bands[2 * band] < bands[2 * band + 1]) {
            throw SFConvError("band \(band + 1) (\(Numbers.format(bands[2 * band]))–\(Numbers.format(bands[2 * band + 1])) Hz) must have its low edge below its high edge")
        }
        for band in 1..<max(1, bands.count / 2) where bands[2 * band] < bands[2 * band - 1] {
            throw SFConvError("band \(band + 1) starts at \(Numbers.format(bands[2 * band])) Hz, inside band \(band) (which ends at \(Numbers.format(bands[2 * band - 1])) Hz): the bands must not overlap")
        }
    }

    /// The index of the narrowest band of `bands` (pairs of edges).
    static func narrowest(_ bands: [Double]) -> Int {
        var best = 0
        for band in 0..<(bands.count / 2) {
            let width: Double = bands[2 * band + 1] - bands[2 * band]
            if width < bands[2 * best + 1] - bands[2 * best] { best = band }
        }
        return best
    }

    static func weights(_ weights: [Double]?, bandCount: Int) throws -> [Double] {
        guard let weights else { return [Double](repeating: 1, count: bandCount) }
        guard weights.count == bandCount else { throw SFConvError("give one weight per band: \(bandCount) band(s), \(weights.count) weight(s)") }
        guard weights.allSatisfy({ $0.isFinite && $0 >= 0 }), weights.contains(where: { $0 > 0 }) else {
            throw SFConvError("the weights must be finite, ≥ 0 and not all 0")
        }
        return weights
    }
}
