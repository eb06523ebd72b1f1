import Foundation

/// What `design remez --type` makes: a symmetric multiband filter, or an antisymmetric
/// differentiator (desired amplitude D·f) or Hilbert transformer.
public enum RemezType: String, CaseIterable, Sendable, Codable {
    case bandpass, differentiator, hilbert
}

/// Equiripple (minimax) linear-phase FIR design by the Parks–McClellan (Remez exchange)
/// algorithm, with `scipy.signal.remez(taps, bands, desired, weight=weights, fs=rate, type=type)`'s
/// conventions: desired amplitude constant over each band, error weighted per band, a dense grid
/// of 16 points per extremum.
///
/// Where scipy gives up after 25 iterations this keeps exchanging (up to ``maximumIterations``),
/// and every failure says what to change.
public enum ParksMcClellan {
    public static let gridDensity = 16
    public static let maximumIterations = 250

    public struct Result: Sendable {
        public var coefficients: [Double]
        /// The weighted equiripple error δ: each band's deviation is δ / its weight.
        public var weightedError: Double
        public var iterations: Int
    }

    /// - Parameters:
    ///   - bands: band edges in Hz, in pairs, non-decreasing, from 0 to rate/2.
    ///   - desired: the amplitude in each band (for a differentiator, the slope: D·f/rate).
    ///   - weights: one per band; nil for all 1.
    public static func design(taps: Int, bands: [Double], desired: [Double], weights: [Double]?, rate: Double,
                              type: RemezType = .bandpass) throws -> Result {
        try FIRDesign.checkTaps(taps)
        guard taps >= 3 else { throw SFConvError("remez needs at least 3 taps, not \(taps)") }
        try BandSpecification.check(bands: bands, rate: rate)
        let bandCount = bands.count / 2
        guard desired.count == bandCount else {
            throw SFConvError("remez needs one desired value per band: \(bandCount) band(s), \(desired.count) desired value(s)")
        }
        guard desired.allSatisfy(\.isFinite) else { throw SFConvError("the desired values must be finite") }
        let weights = try BandSpecification.weights(weights, bandCount: bandCount)
        guard weights.allSatisfy({ $0 > 0 }) else { throw SFConvError("remez needs every weight above 0") }
        if type == .bandpass, taps % 2 == 0, bands.last == rate / 2, desired.last != 0 {
            throw SFConvError("an even number of taps has zero gain at half the rate, where the last band asks for \(Numbers.format(desired.last!)); use an odd number of taps")
        }
        var grid = try Grid(taps: taps, bands: bands.map { $0 / rate }, desired: desired, weights: weights, type: type, rate: rate)
        let result = try grid.exchange()
        return Result(coefficients: grid.coefficients(), weightedError: abs(result.delta), iterations: result.iterations)
    }

    /// The dense grid with the desired response and weight at each point, already divided by the
    /// factor (cos πf, sin 2πf, sin πf) that turns each of the four linear-phase cases into a
    /// cosine polynomial of `extremalCount − 1` terms.
    struct Grid {
        let taps: Int
        let symmetric: Bool
        let extremalCount: Int   // r + 1
        var frequencies: [Double] = []  // cycles per sample, 0 … ½
        var desired: [Double] = []
        var weights: [Double] = []
        let bandOfPoint: [Int]
        let bandsHz: [Double]
        let rate: Double
        // The current interpolant (barycentric form on x = cos 2πf).
        var x: [Double] = [], y: [Double] = [], barycentric: [Double] = []

        init(taps: Int, bands: [Double], desired bandDesired: [Double], weights bandWeights: [Double], type: RemezType, rate: Double) throws {
            self.taps = taps
            self.rate = rate
            bandsHz = bands.map { $0 * rate }
            symmetric = type == .bandpass
            var r = taps / 2
            if taps % 2 == 1 && symmetric { r += 1 }
            extremalCount = r + 1
            let spacing = 0.5 / Double(ParksMcClellan.gridDensity * r)
            var owner: [Int] = []
            // Each band from its low edge in steps of `spacing` while within it; the last point
            // is moved onto the high edge.
            var bandDesiredAt: [Double] = []
            for band in 0..<(bands.count / 2) {
                // An antisymmetric filter is zero at 0 Hz: its grid starts one step above.
                var f = band == 0 && !symmetric && spacing > bands[0] ? spacing : bands[2 * band]
                let high = bands[2 * band + 1]
                while true {
                    frequencies.append(f)
                    bandDesiredAt.append(bandDesired[band])
                    weights.append(bandWeights[band])
                    owner.append(band)
                    let next = f + spacing
                    if next > high { break }
                    f = next
                }
                frequencies[frequencies.count - 1] = high
            }
            desired = bandDesiredAt
            bandOfPoint = owner
            if !symmetric && taps % 2 == 1, let last = frequencies.last, last > 0.5 - spacing {
                frequencies[frequencies.count - 1] = 0.5 - spacing
            }
            guard frequencies.count >= extremalCount else {
                let narrowest = BandSpecification.narrowest(bandsHz)
                throw SFConvError("remez: the bands are too narrow for \(taps) taps: their grid has \(frequencies.count) points and needs at least \(extremalCount); widen the bands (the narrowest is band \(narrowest + 1), \(Numbers.format(bandsHz[2 * narrowest]))–\(Numbers.format(bandsHz[2 * narrowest + 1])) Hz) or use fewer taps")
            }
            if type == .differentiator {
                // D·f, weighted by 1/f where the band's slope is not zero.
                for i in frequencies.indices {
                    if desired[i] > 0.0001 { weights[i] /= frequencies[i] }
                    desired[i] *= frequencies[i]
                }
            }
            for i in frequencies.indices {
                let factor = Self.factor(frequencies[i], taps: taps, symmetric: symmetric)
                desired[i] /= factor
                weights[i] *= factor
            }
        }

        /// The factor Q(f) with A(f) = Q(f)·P(cos 2πf) for each linear-phase case.
        static func factor(_ f: Double, taps: Int, symmetric: Bool) -> Double {
            switch (symmetric, taps % 2 == 1) {
            case (true, true): 1
            case (true, false): cos(Double.pi * f)
            case (false, true): sin(2 * Double.pi * f)
            case (false, false): sin(Double.pi * f)
            }
        }

        /// Interpolates through the extremal set with alternating error ±δ; sets x, y, barycentric.
        mutating func fit(_ extremals: [Int]) -> Double {
            let r = extremalCount - 1
            x = extremals.map { cos(2 * Double.pi * frequencies[$0]) }
            // Barycentric weights 1/Π 2(x_i − x_k), the product taken in strides so that it
            // neither overflows nor underflows for long filters.
            let stride = (r - 1) / 15 + 1
            barycentric = (0...r).map { i in
                var product = 1.0
                for start in 0..<stride {
                    for k in Swift.stride(from: start, through: r, by: stride) where k != i { product *= 2 * (x[i] - x[k]) }
                }
                if abs(product) < 1e-5 { product = 1e-5 }
                return 1 / product
            }
            var numerator = 0.0, denominator = 0.0, sign = 1.0
            for i in 0...r {
                numerator += barycentric[i] * desired[extremals[i]]
                denominator += sign * barycentric[i] / weights[extremals[i]]
                sign = -sign
            }
            let delta = numerator / denominator
            sign = 1
            y = (0...r).map { i in
                defer { sign = -sign }
                return desired[extremals[i]] - sign * delta / weights[extremals[i]]
            }
            return delta
        }

        /// The interpolant at frequency f (cycles per sample).
        /// Within `snap` of an extremal point (in x) that point's value is used. The error search
        /// snaps only on equality: near 0 Hz and half the rate neighbouring grid points of a long
        /// filter lie closer than 10⁻⁷ in x, and snapping there moves the extrema.
        func amplitude(_ f: Double, snap: Double = 0) -> Double {
            let xf = cos(2 * Double.pi * f)
            var numerator = 0.0, denominator = 0.0
            for i in x.indices {
                let difference = xf - x[i]
                if abs(difference) <= snap { return y[i] }
                let c = barycentric[i] / difference
                denominator += c
                numerator += c * y[i]
            }
            return numerator / denominator
        }

        /// Finds the error's local extrema and keeps `extremalCount` of them, alternating:
        /// neighbours of the same sign lose their smaller one, then the smaller end goes.
        func search(_ error: [Double]) throws -> [Int] {
            let last = error.count - 1
            var found: [Int] = []
            if (error[0] > 0 && error[0] > error[1]) || (error[0] < 0 && error[0] < error[1]) { found.append(0) }
            for i in 1..<last where (error[i] >= error[i - 1] && error[i] > error[i + 1] && error[i] > 0)
                || (error[i] <= error[i - 1] && error[i] < error[i + 1] && error[i] < 0) {
                found.append(i)
            }
            if (error[last] > 0 && error[last] > error[last - 1]) || (error[last] < 0 && error[last] < error[last - 1]) { found.append(last) }
            guard found.count >= extremalCount else { throw ExchangeFailure.tooFewExtrema }
            var extra = found.count - extremalCount
            while extra > 0 {
                var smallest = 0
                var alternating = true
                var up = error[found[0]] > 0
                for j in 1..<found.count {
                    if abs(error[found[j]]) < abs(error[found[smallest]]) { smallest = j }
                    if up && error[found[j]] < 0 {
                        up = false
                    } else if !up && error[found[j]] > 0 {
                        up = true
                    } else {
                        alternating = false
                        break
                    }
                }
                if alternating && extra == 1 {
                    smallest = abs(error[found[found.count - 1]]) < abs(error[found[0]]) ? found.count - 1 : 0
                }
                found.remove(at: smallest)
                extra -= 1
            }
            return found
        }

        enum ExchangeFailure: Error { case tooFewExtrema }

        /// The Remez exchange until the error at the extremal set is level within 10⁻⁴ (relative).
        mutating func exchange() throws -> (delta: Double, iterations: Int) {
            let r = extremalCount - 1
            var extremals = (0...r).map { $0 * (frequencies.count - 1) / r }
            var delta = 0.0
            for iteration in 1...ParksMcClellan.maximumIterations {
                delta = fit(extremals)
                let error = frequencies.indices.map { weights[$0] * (desired[$0] - amplitude(frequencies[$0])) }
                let previous = extremals
                do {
                    extremals = try search(error)
                } catch {
                    throw failure("the error curve lost its alternation after \(iteration) iteration(s)", delta: delta)
                }
                let levels = extremals.map { abs(error[$0]) }
                let high = levels.max()!
                guard high.isFinite, high > 0 else { throw failure("the error became \(high == 0 ? "zero" : "non-finite")", delta: delta) }
                // Done when the extremal set no longer moves: the optimum on this grid.
                if extremals == previous {
                    return (fit(extremals), iteration)
                }
            }
            throw failure("no equal ripple after \(ParksMcClellan.maximumIterations) iterations", delta: delta)
        }

        /// Why the exchange failed, in the user's terms: a ripple below rounding error (too many
        /// taps for the transitions), a wide stretch no band covers, or a band too narrow.
        func failure(_ what: String, delta: Double) -> SFConvError {
            let nyquist = rate / 2
            let peak = max(desired.map(abs).max() ?? 1, 1e-300)
            var free: [(Double, Double)] = [(0, bandsHz[0]), (bandsHz[bandsHz.count - 1], nyquist)]
            for band in 1..<max(1, bandsHz.count / 2) { free.append((bandsHz[2 * band - 1], bandsHz[2 * band])) }
            let widest = free.max { $0.1 - $0.0 < $1.1 - $1.0 }!
            let advice: String
            if abs(delta) < 1e-12 * peak {
                advice = "at \(taps) taps the equal ripple falls below rounding error (the transitions are wide for this length): use fewer taps or narrower transitions"
            } else if widest.1 - widest.0 > nyquist / 4 {
                advice = "the bands leave \(Numbers.format(widest.0))–\(Numbers.format(widest.1)) Hz free, where the response is unconstrained: add a band over it (e.g. a stopband to half the rate)"
            } else {
                let narrowest = BandSpecification.narrowest(bandsHz)
                advice = "the narrowest band is band \(narrowest + 1) (\(Numbers.format(bandsHz[2 * narrowest]))–\(Numbers.format(bandsHz[2 * narrowest + 1])) Hz): widen it, or use fewer taps"
            }
            return SFConvError("remez did not converge: \(what); \(advice)")
        }

        /// The taps, by sampling the final response at f = k/N and inverting the DFT of a
        /// linear-phase filter of each symmetry.
        func coefficients() -> [Double] {
            let n = taps, centre = Double(n - 1) / 2
            let samples = (0...(n / 2)).map { k -> Double in
                let f = Double(k) / Double(n)
                return amplitude(f, snap: 1e-6) * Self.factor(f, taps: n, symmetric: symmetric)
            }
            return (0..<n).map { index in
                let position = Double(index) - centre
                let base = 2 * Double.pi * position / Double(n)
                var value = 0.0
                let upper = n % 2 == 1 ? (n - 1) / 2 : n / 2 - 1
                if symmetric {
                    value = samples[0]
                    for k in Swift.stride(from: 1, through: upper, by: 1) { value += 2 * samples[k] * cos(base * Double(k)) }
                } else {
                    if n % 2 == 0 { value = samples[n / 2] * sin(Double.pi * position) }
                    for k in Swift.stride(from: 1, through: upper, by: 1) { value += 2 * samples[k] * sin(base * Double(k)) }
                }
                // scipy's sign for the antisymmetric types.
                return (symmetric ? value : -value) / Double(n)
            }
        }
    }
}
