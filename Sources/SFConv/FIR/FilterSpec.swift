import Foundation

/// Everything `sfconv design` and `sfconv filter` are told about a filter, before design.
public struct FilterSpec: Sendable {
    public var type: FilterType
    /// Sample rate in Hz.
    public var rate: Double = 48000
    /// Number of taps; nil: from `transition` and `attenuation`, else ``defaultTaps``.
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
    public var minimumPhase = false

    public static let defaultTaps = 255

    public init(type: FilterType) { self.type = type }

    /// Designs the filter; every malformed or impossible specification is an ``SFConvError``.
    public func design() throws -> FilterDesign {
        guard rate.isFinite, rate >= 1, rate <= 10_000_000 else { throw SFConvError("the sample rate must be from 1 to 10000000 Hz, not \(Numbers.format(rate))") }
        if let taps { try FIRDesign.checkTaps(taps) }
        var design = FilterDesign(type: type, rate: rate, window: "", coefficients: [])
        switch type {
        case .lowpass, .highpass, .bandpass, .bandstop:
            let cutoffs = try bandEdges()
            let passZero = type == .lowpass || type == .bandstop
            var window = try parsedWindow()
            var tapCount = taps ?? Self.defaultTaps
            if transition != nil || attenuation != nil {
                guard let transition, let attenuation else {
                    throw SFConvError("the transition and the attenuation go together")
                }
                guard taps == nil else { throw SFConvError("give the taps, or the transition with the attenuation, not both") }
                let order = try FIRDesign.kaiserOrder(attenuation: attenuation, transition: transition, rate: rate)
                // Odd: a whole-sample delay, and a non-zero Nyquist gain where the type needs one.
                tapCount = order.taps | 1
                window = .kaiser(beta: order.beta)
                design.transition = transition
                design.attenuation = attenuation
            }
            design.cutoffs = cutoffs
            design.window = window.name
            if case .kaiser(let beta) = window { design.beta = beta }
            design.coefficients = try FIRDesign.windowed(taps: tapCount, cutoffs: cutoffs, passZero: passZero, window: window, rate: rate)
        case .ramp:
            let name = window ?? RampWindow.ramLak.rawValue
            guard let rampWindow = RampWindow(rawValue: name == "rect" ? "ram-lak" : name) else {
                throw SFConvError("unknown ramp window '\(name)'; choose one of \(RampWindow.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            design.window = rampWindow.rawValue
            design.coefficients = try FIRDesign.ramp(taps: taps ?? Self.defaultTaps, window: rampWindow)
        case .eq:
            guard let points else { throw SFConvError("eq needs points, for example \"20:0,200:+3,2000:-2,12000:+4\"") }
            let parsed = try FIRDesign.parsePoints(points)
            let window = try parsedWindow()
            design.window = window.name
            design.points = parsed.map { [$0.frequency, $0.decibels] }
            design.coefficients = try FIRDesign.equalizer(taps: taps ?? Self.defaultTaps, points: parsed, window: window, rate: rate)
        }
        if minimumPhase {
            design.coefficients = try FIRDesign.minimumPhase(design.coefficients)
            design.minimumPhase = true
        }
        return design
    }

    private func parsedWindow() throws -> Window {
        let name = window ?? "hamming"
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
    public var minimumPhase = false
    public var coefficients: [Double]

    public var taps: Int { coefficients.count }

    /// The delay a linear-phase design adds, in whole frames ((taps − 1) / 2); 0 for minimum phase.
    public var latency: Int { minimumPhase ? 0 : (taps - 1) / 2 }

    /// The taps as a mono kernel.
    public var kernel: AudioBuffer {
        AudioBuffer(channels: [coefficients.map(Float.init)], sampleRate: Int(rate.rounded()))
    }

    enum CodingKeys: String, CodingKey {
        case type, rate, window, beta, cutoffs, transition, attenuation, points, minimumPhase, taps, coefficients
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
        try c.encode(minimumPhase, forKey: .minimumPhase)
        try c.encode(taps, forKey: .taps)
        try c.encode(coefficients, forKey: .coefficients)
    }
}

extension FilterType: Codable {}
