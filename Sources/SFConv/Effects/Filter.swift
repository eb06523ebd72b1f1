import Foundation

/// The FIR filters (`lowpass`, `highpass`, `bandpass`, `bandstop`, `ramp`, `eq`): designed at the
/// input's rate and applied by convolution, latency-compensated (the output lines up with the
/// input and has its length) unless `keepDelay`.
public struct FilterEffect: EffectSpec {
    /// Its `rate` is replaced by the input's when bound.
    public var spec: FilterSpec
    public var keepDelay: Bool

    public init(spec: FilterSpec, keepDelay: Bool = false) {
        self.spec = spec
        self.keepDelay = keepDelay
    }

    public static let kinds: [EffectKind] = FilterType.allCases.map(kind(for:))

    static func kind(for type: FilterType) -> EffectKind {
        let summaries: [FilterType: String] = [
            .lowpass: "FIR low-pass filter", .highpass: "FIR high-pass filter", .bandpass: "FIR band-pass filter",
            .bandstop: "FIR band-stop filter", .ramp: "the ramp filter |f| of filtered backprojection", .eq: "FIR equaliser from Hz:dB points",
            .remez: "equiripple FIR (Parks–McClellan, as scipy.signal.remez)", .firls: "least-squares FIR (as scipy.signal.firls)",
        ]
        return EffectKind(name: type.rawValue, summary: summaries[type]!, parameters: parameters(for: type)) { reader in
            read(type, &reader)
        }
    }

    static func parameters(for type: FilterType) -> [ParameterDeclaration] {
        let lengthHelp = switch type {
        case .eq: "Number of taps (default: the shortest from 255 that meets every point within ±0.5 dB)."
        case .ramp: "Number of taps (default \(FilterSpec.defaultTaps))."
        case .remez, .firls: "Number of taps."
        default: "Number of taps (default: −6 dB at the cutoff and \(Numbers.format(DefaultLength.attenuation)) dB of stopband, see `design --help`)."
        }
        let taps = ParameterDeclaration("taps", .integer(noun: "a whole number of taps", range: 1...FIRDesign.maximumTaps),
                                        required: type == .remez || type == .firls, help: lengthHelp)
        let window = ParameterDeclaration("window", .choice(noun: "window", Window.names), help: "rect, hann, hamming (default), blackman or kaiser.")
        let beta = ParameterDeclaration("beta", .number(noun: "a Kaiser β", unit: "", lower: 0, upper: 100, lowerOpen: false), help: "Kaiser window β.")
        let kaiser = [ParameterDeclaration("transition", .frequency("a width"), help: "Transition width in Hz (with attenuation: Kaiser design)."),
                      .init("attenuation", .number(noun: "an attenuation", unit: "dB", lower: 1, upper: 300, lowerOpen: false),
                            help: "Stopband attenuation in dB (with transition).")]
        let phase = [ParameterDeclaration("minimum_phase", .flag, help: "Convert to minimum phase (cepstral method)."),
                     .init("keep_delay", .flag, help: "Keep the filter's delay and tail: the full convolution.")]
        switch type {
        case .lowpass, .highpass:
            return [.init("cutoff", .frequency(), required: true, help: "The cutoff (−6 dB) in Hz.")] + [taps, window, beta] + kaiser + phase
        case .bandpass, .bandstop:
            return [.init("low", .frequency(), required: true, help: "The lower band edge in Hz."),
                    .init("high", .frequency(), required: true, help: "The upper band edge in Hz.")] + [taps, window, beta] + kaiser + phase
        case .eq:
            return [.init("points", .points, required: true, help: "The response as Hz:dB points.")]
                + [taps, window, beta] + phase
        case .remez, .firls:
            let perEdge = type == .firls
            return [.init("bands", .numbers(noun: "band edges in Hz"), required: true, help: "Band edges in Hz, in pairs: 0,4000,5000,24000."),
                    .init("desired", .numbers(noun: "amplitudes"), required: true,
                          help: perEdge ? "The amplitude at each band edge: 1,1,0,0." : "The amplitude in each band: 1,0."),
                    .init("weights", .numbers(noun: "weights"), help: "One weight per band (default all 1)."), taps]
                + (type == .remez ? [.init("remez_type", .choice(noun: "remez type", RemezType.allCases.map(\.rawValue)),
                                           help: "bandpass (default), differentiator or hilbert.")] : [])
                + phase
        case .ramp:
            return [taps, .init("window", .choice(noun: "ramp window", RampWindow.allCases.map(\.rawValue) + ["rect"]),
                                help: "ram-lak (default), shepp-logan, cosine, hamming or hann.")] + phase
        }
    }

    /// Reads and checks everything that does not depend on the rate.
    private static func read(_ type: FilterType, _ reader: inout ParameterReader) -> FilterEffect {
        var spec = FilterSpec(type: type)
        let declared = Set(reader.kind.keys)
        if declared.contains("cutoff") { spec.cutoff = reader.number("cutoff") }
        if declared.contains("low") {
            spec.low = reader.number("low")
            spec.high = reader.number("high")
            if let low = spec.low, let high = spec.high, low >= high {
                reader.problem("low", "must be below \(reader.name("high")) (\(Numbers.format(high)) Hz), not \(Numbers.format(low)) Hz")
            }
        }
        spec.taps = reader.integer("taps")
        if declared.contains("window") { spec.window = reader.choice("window") }
        if declared.contains("beta") { spec.beta = reader.number("beta") }
        if declared.contains("transition") {
            spec.transition = reader.number("transition")
            spec.attenuation = reader.number("attenuation")
            if reader.has("transition") != reader.has("attenuation") {
                reader.problem(reader.has("transition") ? "transition" : "attenuation",
                               "\(reader.name("transition")) and \(reader.name("attenuation")) go together")
            }
            if reader.has("taps") && reader.has("transition") {
                reader.problem("taps", "give \(reader.name("taps")), or \(reader.name("transition")) with \(reader.name("attenuation")), not both")
            }
        }
        if declared.contains("points"), let points = reader.text("points") {
            spec.points = points
            do {
                for point in try FIRDesign.parsePoints(points) where !(-120...60).contains(point.decibels) {
                    reader.problem("points", "\(Numbers.format(point.decibels)) dB at \(Numbers.format(point.frequency)) Hz is outside -120 to 60 dB")
                }
            } catch let error as SFConvError {
                reader.problem("points", error.message)
            } catch {}
        }
        if let taps = spec.taps, taps % 2 == 0, [.highpass, .bandstop, .ramp].contains(type) {
            let why = type == .ramp ? "the ramp filter" : "a \(type.rawValue) passes half the rate and"
            reader.problem("taps", "\(why) needs an odd number of taps, not \(taps)")
        }
        if declared.contains("bands") {
            spec.bands = reader.numbers("bands")
            spec.desired = reader.numbers("desired")
            spec.weights = reader.numbers("weights")
        }
        if declared.contains("remez_type"), let name = reader.choice("remez_type") { spec.remezType = RemezType(rawValue: name) ?? .bandpass }
        spec.minimumPhase = reader.flag("minimum_phase")
        return FilterEffect(spec: spec, keepDelay: reader.flag("keep_delay"))
    }

    public var kindName: String { spec.type.rawValue }

    public var summary: String {
        var parts = [spec.type.rawValue]
        if let cutoff = spec.cutoff { parts.append("cutoff \(Numbers.format(cutoff)) Hz") }
        if let low = spec.low, let high = spec.high { parts.append("\(Numbers.format(low))–\(Numbers.format(high)) Hz") }
        if let taps = spec.taps { parts.append("\(taps) taps") }
        if let transition = spec.transition, let attenuation = spec.attenuation {
            parts.append("transition \(Numbers.format(transition)) Hz, \(Numbers.format(attenuation)) dB")
        }
        if let window = spec.window { parts.append("\(window) window") }
        if let points = spec.points { parts.append("points \(points)") }
        if let bands = spec.bands { parts.append("bands \(bands.map(Numbers.format).joined(separator: ",")) Hz") }
        if spec.minimumPhase { parts.append("minimum phase") }
        if keepDelay { parts.append("keeping its delay") }
        return parts.joined(separator: ", ")
    }

    /// The filter designed at `rate`; what depends on the rate is checked here, at its key.
    public func design(rate: Double) throws -> FilterDesign {
        var spec = self.spec
        spec.rate = rate
        let nyquist = rate / 2
        for (key, value) in [("cutoff", spec.cutoff), ("low", spec.low), ("high", spec.high), ("transition", spec.transition)]
            + (spec.bands ?? []).map({ ("bands", $0) }) {
            if let value, key == "bands" ? value > nyquist : value >= nyquist {
                throw EffectProblem(key, "\(Numbers.format(value)) Hz must be below half the rate (\(Numbers.format(nyquist)) Hz)")
            }
        }
        if let points = spec.points, let high = try? FIRDesign.parsePoints(points).first(where: { $0.frequency >= nyquist }) {
            throw EffectProblem("points", "\(Numbers.format(high.frequency)) Hz must be below half the rate (\(Numbers.format(nyquist)) Hz)")
        }
        if let transition = spec.transition, let attenuation = spec.attenuation {
            do {
                _ = try FIRDesign.kaiserOrder(attenuation: attenuation, transition: transition, rate: rate)
            } catch let error as SFConvError {
                throw EffectProblem("transition", error.message)
            }
        }
        let design: FilterDesign
        do {
            design = try spec.design()
        } catch let error as SFConvError {
            throw EffectProblem(nil, error.message)
        }
        guard design.coefficients.allSatisfy(\.isFinite) else {
            throw EffectProblem(nil, "the design has non-finite taps: the specification is numerically impossible at \(Numbers.format(rate)) Hz")
        }
        return design
    }

    public func bind(_ context: BindContext) throws -> BoundEffect {
        let design = try self.design(rate: Double(context.sampleRate))
        // The design's own work arrays (a minimum-phase conversion pads to 32 × the taps).
        try context.reserve(design.taps * MemoryLayout<Double>.size * (spec.minimumPhase ? 32 * 6 : 8), for: "a \(design.taps)-tap design", key: "taps")
        context.diagnostics.note(design.summaryLine)
        for warning in design.warnings { context.diagnostics.warning(warning) }
        let channels = context.channelCount, taps = design.taps, latency = design.latency, keepDelay = self.keepDelay
        let routing = ChannelRouting(inputChannels: channels, kernelChannels: 1)!
        let (plan, bytes) = try context.convolutionPlan(kernelLength: taps, kernelChannels: 1, routing: routing, key: "taps")
        let spectra = try KernelSpectra(kernel: design.kernel, plan: plan, precision: context.precision, planning: context.planning)
        let template = ConvolutionTemplate(spectra: spectra, routing: routing) {
            keepDelay
                ? WindowStage(start: 0, channelCount: channels) { $0 + taps - 1 }
                : WindowStage(start: latency, channelCount: channels) { $0 }
        }
        var bound = BoundEffect(summary: design.summaryLine, channels: (channels, channels), kernelLength: taps,
                                latency: keepDelay ? 0 : -latency, tail: keepDelay ? taps - 1 : 0,
                                length: { keepDelay ? $0 + taps - 1 : $0 }, makeProcessor: template.makeProcessor)
        bound.memoryBytes = bytes
        return bound
    }
}
