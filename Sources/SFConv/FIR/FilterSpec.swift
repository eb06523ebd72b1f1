import Foundation

/// Everything `sfconv design` and `sfconv filter` are told about a filter, before design.
public struct FilterSpec: Sendable {
    public var type: FilterType
    /// Sample rate in Hz.
    public var rate: Double = 48000
    /// Number of taps; nil: from `transition` and `attenuation`, else by ``DefaultLength`` (band
    /// filters), the shortest that meets every point (eq), or ``defaultTaps`` (ramp).
    public var taps: Int?
    /// Window name: rect, hann, hamming, blackman, kaiser; for ramp: ram-lak, shepp-logan, cosine, hamming, hann.
    public var window: String?
    public var beta: Double?
    /// lowpass, highpass: the −6 dB frequency in Hz.
    public var cutoff: Double?
    /// bandpass, bandstop: the band edges in Hz.
    public var low: Double?
    public var high: Double?
    /// Transition width in Hz and stopband attenuation in dB: Kaiser design with taps and β from kaiserord.
    public var transition: Double?
    public var attenuation: Double?
    /// eq: Hz:dB points.
    public var points: String?
    /// remez, firls: band edges in Hz (pairs), the desired amplitude (remez: per band; firls: per
    /// edge) and the weight of each band.
    public var bands: [Double]?
    public var desired: [Double]?
    public var weights: [Double]?
    public var remezType: RemezType = .bandpass
    public var minimumPhase = false

    /// The ramp filter's length when none is given, and where an eq's search for its length starts.
    public static let defaultTaps = 255

    public init(type: FilterType) { self.type = type }

    /// Designs the filter and measures it; every malformed or impossible specification is an
    /// ``SFConvError``; settings that cannot meet what they ask for give warnings in the design.
    public func design() throws -> FilterDesign {
        guard rate.isFinite, rate >= 1, rate <= 10_000_000 else { throw SFConvError("the sample rate must be from 1 to 10000000 Hz, not \(Numbers.format(rate))") }
        if let taps { try FIRDesign.checkTaps(taps) }
        var design = FilterDesign(type: type, rate: rate, window: "", coefficients: [])
        let measure: ([Double]) throws -> MeasuredResponse
        switch type {
        case .lowpass, .highpass, .bandpass, .bandstop:
            measure = try bandFilter(&design)
        case .ramp:
            let name = window ?? RampWindow.ramLak.rawValue
            guard let rampWindow = RampWindow(rawValue: name == "rect" ? "ram-lak" : name) else {
                throw SFConvError("unknown ramp window '\(name)'; choose one of \(RampWindow.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            design.window = rampWindow.rawValue
            design.coefficients = try FIRDesign.ramp(taps: taps ?? Self.defaultTaps, window: rampWindow)
            measure = { _ in MeasuredResponse() }
        case .eq:
            measure = try equalizer(&design)
        case .remez, .firls:
            measure = try bandDesign(&design)
        }
        if minimumPhase {
            design.coefficients = try FIRDesign.minimumPhase(design.coefficients)
            design.minimumPhase = true
        }
        // No negative zeros in what is written or printed.
        design.coefficients = design.coefficients.map { $0 == 0 ? 0 : $0 }
        design.measured = try measure(design.coefficients)
        return design
    }

    /// lowpass, highpass, bandpass, bandstop: a windowed sinc whose length comes from the taps,
    /// from a transition and attenuation (Kaiser), or from ``DefaultLength``.
    private func bandFilter(_ design: inout FilterDesign) throws -> ([Double]) throws -> MeasuredResponse {
        let cutoffs = try bandEdges()
        try FIRDesign.checkCutoffs(cutoffs, rate: rate)
        let passZero = type == .lowpass || type == .bandstop
        let rate = self.rate, type = self.type
        var window = try parsedWindow(default: .hamming)
        var tapCount: Int
        let width: Double            // the transition width the stopband is measured from
        var target: Double?          // the attenuation to meet
        var isDefault = false
        if transition != nil || attenuation != nil {
            guard let transition, let attenuation else { throw SFConvError("the transition and the attenuation go together") }
            guard taps == nil else { throw SFConvError("give the taps, or the transition with the attenuation, not both") }
            let order = try FIRDesign.kaiserOrder(attenuation: attenuation, transition: transition, rate: rate)
            // Odd: a whole-sample delay, and a non-zero Nyquist gain where the type needs one.
            tapCount = order.taps | 1
            window = .kaiser(beta: order.beta)
            width = transition
            target = attenuation
            design.transition = transition
            design.attenuation = attenuation
        } else if let taps {
            tapCount = taps
            width = window.transitionFactor * rate / Double(taps)
        } else {
            isDefault = true
            width = DefaultLength.transition(cutoffs: cutoffs, rate: rate)
            if self.window == nil { window = .kaiser(beta: FIRDesign.kaiserBeta(attenuation: DefaultLength.attenuation)) }
            tapCount = try DefaultLength.taps(transition: width, rate: rate, window: window)
            target = DefaultLength.attenuation
            design.transition = width
            design.attenuation = DefaultLength.attenuation
        }
        func make(_ n: Int) throws -> [Double] {
            try FIRDesign.windowed(taps: n, cutoffs: cutoffs, passZero: passZero, window: window, rate: rate)
        }
        let measure = { (h: [Double]) in try ResponseCheck.measureBandFilter(h, type: type, cutoffs: cutoffs, transition: width, rate: rate) }
        func cutoffError(_ m: MeasuredResponse) -> Double { (m.cutoffGainDB ?? []).map { abs($0 - ResponseCheck.halfGainDB) }.max() ?? 0 }
        func stopbandShortfall(_ m: MeasuredResponse) -> Double { max(0, (target ?? 0) - (m.stopbandAttenuationDB ?? .infinity)) }
        var coefficients = try make(tapCount)
        var measured = try measure(coefficients)
        if isDefault, case .kaiser = window, cutoffError(measured) > 0.5 || stopbandShortfall(measured) > 0 {
            // Kaiser's formula is an estimate: lengthen until the default spec is met.
            let meets = { (n: Int) in let m = try measure(try make(n)); return cutoffError(m) <= 0.5 && stopbandShortfall(m) == 0 }
            if let longer = try ResponseCheck.tapsToMeet(from: tapCount, limit: DefaultLength.maximumTaps, meets) {
                tapCount = longer
                coefficients = try make(tapCount)
                measured = try measure(coefficients)
            }
        }
        design.cutoffs = cutoffs
        design.window = window.name
        if case .kaiser(let beta) = window { design.beta = beta }
        design.coefficients = coefficients
        // What the settings cannot meet, and the length that would.
        let name = type.rawValue
        if cutoffError(measured) > 1, let gains = measured.cutoffGainDB {
            let worst = gains.indices.max { abs(gains[$0] - ResponseCheck.halfGainDB) < abs(gains[$1] - ResponseCheck.halfGainDB) }!
            let fix = try ResponseCheck.tapsToMeet(from: tapCount, limit: DefaultLength.maximumTaps) { cutoffError(try measure(try make($0))) <= 0.5 }
            design.warnings.append("\(name): at \(tapCount) taps the \(Numbers.format(cutoffs[worst])) Hz cutoff is at \(ResponseCheck.format(decibels: gains[worst])), not −6 dB; "
                + (fix.map { "\($0) taps would meet it" } ?? "no length up to \(DefaultLength.maximumTaps) taps meets it with this window"))
        }
        if let target, stopbandShortfall(measured) > (isDefault ? 0 : 1), let reached = measured.stopbandAttenuationDB {
            if case .kaiser = window {
                let fix = try ResponseCheck.tapsToMeet(from: tapCount, limit: DefaultLength.maximumTaps) { stopbandShortfall(try measure(try make($0))) == 0 }
                design.warnings.append("\(name): the stopband reaches only \(ResponseCheck.format(decibels: -reached)), short of the −\(Numbers.format(target)) dB asked for; "
                    + (fix.map { "\($0) taps would meet it" } ?? "no length up to \(DefaultLength.maximumTaps) taps meets it"))
            } else {
                design.warnings.append("\(name): the \(window.name) window limits the stopband to \(ResponseCheck.format(decibels: -reached)), short of the default −\(Numbers.format(target)) dB; omit --window for a Kaiser design that meets it")
            }
        }
        return measure
    }

    /// eq: frequency sampling of the points' curve; without taps, the shortest odd length from
    /// 255 that meets every point within ±0.5 dB.
    private func equalizer(_ design: inout FilterDesign) throws -> ([Double]) throws -> MeasuredResponse {
        guard let points else { throw SFConvError("eq needs points, for example \"20:0,200:+3,2000:-2,12000:+4\"") }
        let parsed = try FIRDesign.parsePoints(points)
        let window = try parsedWindow(default: .hamming)
        let rate = self.rate
        design.window = window.name
        design.points = parsed.map { [$0.frequency, $0.decibels] }
        func make(_ n: Int) throws -> [Double] { try FIRDesign.equalizer(taps: n, points: parsed, window: window, rate: rate) }
        let measure = { (h: [Double]) in ResponseCheck.measurePoints(h, points: parsed, rate: rate) }
        func meets(_ n: Int) throws -> Bool { abs(measure(try make(n)).worstPointErrorDB ?? 0) <= 0.5 }
        var tapCount = taps ?? Self.defaultTaps
        if taps == nil, try !meets(tapCount) {
            tapCount = try ResponseCheck.tapsToMeet(from: tapCount, limit: DefaultLength.maximumTaps, meets) ?? DefaultLength.maximumTaps
        }
        design.coefficients = try make(tapCount)
        let measured = measure(design.coefficients)
        if let error = measured.worstPointErrorDB, abs(error) > 0.5, let at = measured.worstPointHz {
            let fix = taps == nil ? nil : try ResponseCheck.tapsToMeet(from: tapCount, limit: DefaultLength.maximumTaps, meets)
            design.warnings.append("eq: at \(tapCount) taps the curve misses its \(Numbers.format(at)) Hz point by \(ResponseCheck.format(decibels: error, sign: true)); "
                + (fix.map { "\($0) taps would meet every point within ±0.5 dB" } ?? "no length up to \(DefaultLength.maximumTaps) taps meets every point within ±0.5 dB at \(Numbers.format(rate)) Hz"))
        }
        return measure
    }

    /// remez and firls: bands with desired amplitudes and weights.
    private func bandDesign(_ design: inout FilterDesign) throws -> ([Double]) throws -> MeasuredResponse {
        guard let taps else { throw SFConvError("\(type.rawValue) needs the number of taps") }
        guard let bands else { throw SFConvError("\(type.rawValue) needs bands: edges in Hz in pairs, e.g. 0,4000,5000,24000") }
        guard let desired else { throw SFConvError("\(type.rawValue) needs the desired amplitudes (\(type == .remez ? "one per band" : "one per band edge"))") }
        design.bands = bands
        design.desired = desired
        design.weights = weights
        let rate = self.rate
        let edgeDesired: [Double]
        if type == .remez {
            let result = try ParksMcClellan.design(taps: taps, bands: bands, desired: desired, weights: weights, rate: rate, type: remezType)
            design.coefficients = result.coefficients
            design.remezType = remezType
            design.weightedError = result.weightedError
            edgeDesired = desired.flatMap { [$0, $0] }
        } else {
            design.coefficients = try LeastSquaresDesign.design(taps: taps, bands: bands, desired: desired, weights: weights, rate: rate)
            edgeDesired = desired
        }
        let differentiator = type == .remez && remezType == .differentiator
        let measure = { (h: [Double]) in try ResponseCheck.measureBands(h, bands: bands, desired: edgeDesired, rate: rate, differentiator: differentiator) }
        let measured = try measure(design.coefficients)
        // An exchange that ended on a false alternation leaves bands far from the equal ripple.
        if type == .remez, let error = design.weightedError {
            let bandWeights = weights ?? [Double](repeating: 1, count: bands.count / 2)
            for (index, band) in (measured.bands ?? []).enumerated() where band.deviation * bandWeights[index] > 2 * error + 1e-9 {
                throw SFConvError("remez did not reach an equal ripple: band \(index + 1) (\(Numbers.format(band.lowHz))–\(Numbers.format(band.highHz)) Hz) deviates by \(String(format: "%.3g", band.deviation)), over twice the equiripple \(String(format: "%.3g", error / bandWeights[index])); try other weights, wider transitions or another length")
            }
        }
        // Between the bands nothing is asked: say when the response rises well above them there.
        if !differentiator {
            let nyquist = rate / 2
            var gaps: [[Double]] = [[0, bands[0]], [bands[bands.count - 1], nyquist]]
            for band in 1..<(bands.count / 2) { gaps.append([bands[2 * band - 1], bands[2 * band]]) }
            gaps = gaps.filter { $0[1] > $0[0] }
            if !gaps.isEmpty {
                let dense = try ResponseCheck.denseMagnitudes(design.coefficients)
                let peak = ResponseCheck.peak(design.coefficients, dense: dense, over: gaps, rate: rate)
                let ceiling = max(edgeDesired.map(abs).max() ?? 1, 1e-6)
                if peak > 2 * ceiling {
                    design.warnings.append("\(type.rawValue): between the bands, where nothing is asked, the response rises to \(ResponseCheck.format(decibels: ResponseCheck.decibels(peak), sign: true)); narrower transitions (or fewer taps) keep it down")
                }
            }
        }
        return measure
    }

    private func parsedWindow(default fallback: Window) throws -> Window {
        guard let name = window else { return fallback }
        guard let window = Window(name: name, beta: beta) else {
            throw SFConvError("unknown window '\(name)'; choose one of \(Window.names.joined(separator: ", "))")
        }
        if let beta, !(beta >= 0 && beta <= 100) { throw SFConvError("the Kaiser β must be from 0 to 100, not \(Numbers.format(beta))") }
        return window
    }

    private func bandEdges() throws -> [Double] {
        switch type {
        case .lowpass, .highpass:
            guard let cutoff else { throw SFConvError("\(type.rawValue) needs a cutoff in Hz") }
            return [cutoff]
        default:
            guard let low, let high else { throw SFConvError("\(type.rawValue) needs low and high band edges in Hz") }
            guard low < high else { throw SFConvError("the low edge (\(Numbers.format(low)) Hz) must be below the high edge (\(Numbers.format(high)) Hz)") }
            return [low, high]
        }
    }
}

/// The length of a band filter (lowpass, highpass, bandpass, bandstop) given neither taps nor a
/// transition: a Kaiser design −6 dB at each cutoff with at least ``attenuation`` dB of stopband
/// from half a transition width beyond it, the width being ``transition(cutoffs:rate:)``.
public enum DefaultLength {
    public static let attenuation = 60.0
    public static let maximumTaps = 65_537

    /// Half the distance from the cutoffs to what bounds them: 0 Hz, half the rate, and (for a
    /// band-pass or band-stop) the other cutoff. So a high-pass at 80 Hz has a 40 Hz transition,
    /// from 60 Hz (stopband) to 100 Hz (passband).
    public static func transition(cutoffs: [Double], rate: Double) -> Double {
        var distance = cutoffs.map { min($0, rate / 2 - $0) }.min() ?? rate / 4
        if cutoffs.count == 2 { distance = min(distance, cutoffs[1] - cutoffs[0]) }
        return distance / 2
    }

    /// The odd number of taps that gives `window` a transition `transition` Hz wide: Kaiser's
    /// formula for ``attenuation`` dB, else the window's nominal width; an error beyond ``maximumTaps``.
    public static func taps(transition: Double, rate: Double, window: Window) throws -> Int {
        let estimate: Double
        if case .kaiser = window {
            estimate = (attenuation - 7.95) / (2.285 * Double.pi * transition / (rate / 2)) + 1
        } else {
            estimate = window.transitionFactor * rate / transition
        }
        guard estimate.isFinite, estimate <= Double(maximumTaps) else {
            let count = estimate.isFinite && estimate < 1e15 ? "\(Int(estimate.rounded(.up)) | 1)" : estimate.isFinite ? String(format: "%.3g", estimate) : "unboundedly many"
            throw SFConvError("the default design needs \(count) taps for a \(Numbers.format(transition)) Hz transition at \(Numbers.format(rate)) Hz, more than \(maximumTaps); give --taps, or --transition with --attenuation")
        }
        return Int(estimate.rounded(.up)) | 1
    }
}

/// A designed filter: its taps and the parameters that made them (`sfconv design --json`).
public struct FilterDesign: Sendable, Codable, Equatable {
    public var type: FilterType
    public var rate: Double
    public var window: String
    public var beta: Double?
    public var cutoffs: [Double]?
    public var transition: Double?
    public var attenuation: Double?
    public var points: [[Double]]?
    public var bands: [Double]?
    public var desired: [Double]?
    public var weights: [Double]?
    public var remezType: RemezType?
    /// remez: the weighted equiripple error δ (MATLAB firpm's `err`).
    public var weightedError: Double?
    public var minimumPhase = false
    public var coefficients: [Double]
    /// What the filter measures: −6 dB points, stopband, point errors, band deviations.
    public var measured = MeasuredResponse()
    /// Where the settings miss what they ask for, with the length that would meet it.
    public var warnings: [String] = []

    public var taps: Int { coefficients.count }

    /// The delay a linear-phase design adds, in whole frames ((taps − 1) / 2); 0 for minimum phase.
    public var latency: Int { minimumPhase ? 0 : (taps - 1) / 2 }

    /// The taps as a mono kernel.
    public var kernel: AudioBuffer {
        AudioBuffer(channels: [coefficients], sampleRate: Int(rate.rounded()))
    }

    enum CodingKeys: String, CodingKey {
        case type, rate, window, beta, cutoffs, transition, attenuation, points, bands, desired, weights, remezType, weightedError
        case minimumPhase, taps, latency, measured, warnings, coefficients
    }

    public init(type: FilterType, rate: Double, window: String, coefficients: [Double]) {
        self.type = type
        self.rate = rate
        self.window = window
        self.coefficients = coefficients
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        type = try c.decode(FilterType.self, forKey: .type)
        rate = try c.decode(Double.self, forKey: .rate)
        window = try c.decode(String.self, forKey: .window)
        beta = try c.decodeIfPresent(Double.self, forKey: .beta)
        cutoffs = try c.decodeIfPresent([Double].self, forKey: .cutoffs)
        transition = try c.decodeIfPresent(Double.self, forKey: .transition)
        attenuation = try c.decodeIfPresent(Double.self, forKey: .attenuation)
        points = try c.decodeIfPresent([[Double]].self, forKey: .points)
        bands = try c.decodeIfPresent([Double].self, forKey: .bands)
        desired = try c.decodeIfPresent([Double].self, forKey: .desired)
        weights = try c.decodeIfPresent([Double].self, forKey: .weights)
        remezType = try c.decodeIfPresent(RemezType.self, forKey: .remezType)
        weightedError = try c.decodeIfPresent(Double.self, forKey: .weightedError)
        measured = try c.decodeIfPresent(MeasuredResponse.self, forKey: .measured) ?? MeasuredResponse()
        warnings = try c.decodeIfPresent([String].self, forKey: .warnings) ?? []
        minimumPhase = try c.decode(Bool.self, forKey: .minimumPhase)
        coefficients = try c.decode([Double].self, forKey: .coefficients)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(type, forKey: .type)
        try c.encode(rate, forKey: .rate)
        try c.encode(window, forKey: .window)
        try c.encodeIfPresent(beta, forKey: .beta)
        try c.encodeIfPresent(cutoffs, forKey: .cutoffs)
        try c.encodeIfPresent(transition, forKey: .transition)
        try c.encodeIfPresent(attenuation, forKey: .attenuation)
        try c.encodeIfPresent(points, forKey: .points)
        try c.encodeIfPresent(bands, forKey: .bands)
        try c.encodeIfPresent(desired, forKey: .desired)
        try c.encodeIfPresent(weights, forKey: .weights)
        try c.encodeIfPresent(remezType, forKey: .remezType)
        try c.encodeIfPresent(weightedError, forKey: .weightedError)
        try c.encode(minimumPhase, forKey: .minimumPhase)
        try c.encode(taps, forKey: .taps)
        try c.encode(latency, forKey: .latency)
        try c.encode(measured, forKey: .measured)
        try c.encode(warnings, forKey: .warnings)
        try c.encode(coefficients, forKey: .coefficients)
    }
}

extension FilterType: Codable {}

extension FilterDesign {
    /// One line: what the filter is, its length and delay, and what it measures.
    public var summaryLine: String {
        var head = type.rawValue
        if let cutoffs { head += " \(cutoffs.map(Numbers.format).joined(separator: "–")) Hz" }
        if let points { head += " \(points.count) point\(points.count == 1 ? "" : "s")" }
        if let bands { head += " \(bands.count / 2) band\(bands.count == 2 ? "" : "s")" }
        if let remezType, remezType != .bandpass { head += " (\(remezType.rawValue))" }
        var parts = [taps == 1 ? "1 tap" : "\(taps) taps"]
        if !window.isEmpty { parts.append(beta.map { String(format: "%@ β %.2f", window, $0) } ?? "\(window) window") }
        parts.append(minimumPhase ? "minimum phase" : "latency \(latency) frames (\(String(format: "%.1f", Double(latency) / rate * 1000)) ms)")
        var figures: [String] = []
        if let points = measured.minus6dBHz, let cutoffs {
            figures.append(zip(points, cutoffs).map { point, cutoff in
                point.map { String(format: "−6 dB at %.1f Hz", $0) } ?? "no −6 dB point near \(Numbers.format(cutoff)) Hz"
            }.joined(separator: ", "))
        }
        if let stop = measured.stopbandAttenuationDB { figures.append("stopband " + ResponseCheck.format(decibels: -stop)) }
        if let error = measured.worstPointErrorDB, let at = measured.worstPointHz {
            figures.append("worst point error \(ResponseCheck.format(decibels: error, sign: true)) at \(Numbers.format(at)) Hz")
        }
        for (index, band) in (measured.bands ?? []).enumerated() {
            let range = "band \(index + 1) (\(Numbers.format(band.lowHz))–\(Numbers.format(band.highHz)) Hz)"
            let stop = band.desired.allSatisfy { $0 == 0 }
            figures.append(range + (stop ? " " + ResponseCheck.format(decibels: -band.deviationDB) : String(format: " ripple ±%.3f dB", band.deviationDB)))
        }
        return ([head + ": " + parts.joined(separator: ", ")] + figures).joined(separator: "; ")
    }
}
