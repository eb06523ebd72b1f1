import Foundation

/// How much of the reverb's tail to keep.
public enum TailPolicy: String, CaseIterable, Sendable {
    /// Every frame: N + predelay + K − 1.
    case full
    /// Stop once the output stays below ``ReverbSettings/autoTailThresholdDBFS`` after the input
    /// has ended, with a short fade over the sub-threshold frames kept.
    case auto
}

/// Where the IR's leading silence ends.
public enum IRTrimStart: Sendable, Equatable {
    /// At the direct sound (see ``ImpulseResponsePreparation/directSoundOnset(_:)``).
    case auto
    /// After this many milliseconds.
    case milliseconds(Double)
}

/// How a reverb is made from an impulse response: output = dry·x + wet·(x ∗ h′), the wet path
/// delayed by the predelay, where h′ is the IR after trimming, cutting, reversing and normalisation.
public struct ReverbSettings: Sendable {
    public var wet = ReverbSettings.defaultWet
    public var dry = ReverbSettings.defaultDry
    /// Milliseconds, 0…10000.
    public var predelay: Double = 0
    public var normalization: IRNormalization = .energy
    public var tail: TailPolicy = .full
    public var trimStart: IRTrimStart?
    /// Seconds (up to 600); cuts the IR with a fade.
    public var irLength: Double?
    public var irReverse = false

    /// −12 dB: with an energy-normalised IR, the reverb sits 12 dB under the dry signal.
    public static let defaultWet = Gain(decibels: -12)
    public static let defaultDry = Gain(linear: 1)
    /// The tail is cut once the output stays under −96 dBFS (16-bit's noise floor).
    public static let autoTailThresholdDBFS = -96.0
    /// The fade over the last kept frames of an auto tail, and of an IR cut by `ir_length`.
    public static let fadeMilliseconds = 10.0
    /// The largest wet or dry gain accepted (+12 dB).
    public static let maximumGain = 4.0

    public init() {}
}

/// `reverb`: a convolution reverb through an impulse response file, as one convolution: the dry
/// path and predelay are folded into the kernel (dry·δ + wet·h′ delayed).
public struct ReverbEffect: EffectSpec {
    /// The impulse response file as written.
    public var impulse: String
    public var settings: ReverbSettings

    public init(impulse: String, settings: ReverbSettings = ReverbSettings()) {
        self.impulse = impulse
        self.settings = settings
    }

    public static let kind = EffectKind(
        name: "reverb", summary: "convolution reverb through an impulse response",
        parameters: [
            .init("impulse", .file, required: true, help: "The impulse response: mono, stereo, or 4-channel true stereo."),
            .init("wet", .gain(maximum: ReverbSettings.maximumGain), help: "Level of the reverb: linear (0.25) or decibels (-12dB)."),
            .init("dry", .gain(maximum: ReverbSettings.maximumGain), help: "Level of the dry signal: linear (1) or decibels (0dB)."),
            .init("predelay", .number(noun: "a predelay", unit: "ms", lower: 0, upper: 10_000, lowerOpen: false),
                  help: "Delay of the wet path in milliseconds."),
            .init("normalize_ir", .choice(noun: "IR normalisation", IRNormalization.allCases.map(\.rawValue)),
                  help: "IR scaling: energy (unit power per output channel), peak (largest sample 1) or none."),
            .init("tail", .choice(noun: "tail policy", TailPolicy.allCases.map(\.rawValue)),
                  help: "Keep the whole tail (full) or stop once the output stays under -96 dBFS (auto)."),
            .init("ir_trim_start", .autoOrNumber(noun: "a time", unit: "ms", upper: 60_000),
                  help: "Drop the IR's leading silence: auto (up to its direct sound) or milliseconds."),
            .init("ir_length", .number(noun: "a length", unit: "s", lower: 0.001, upper: 600, lowerOpen: false),
                  help: "Cut the IR to this many seconds, with a 10 ms fade."),
            .init("ir_reverse", .flag, help: "Reverse the IR (after trimming and cutting)."),
        ]
    ) { reader in
        var settings = ReverbSettings()
        settings.wet = reader.gain("wet") ?? settings.wet
        settings.dry = reader.gain("dry") ?? settings.dry
        settings.predelay = reader.number("predelay") ?? 0
        settings.normalization = reader.choice("normalize_ir").flatMap(IRNormalization.init) ?? .energy
        settings.tail = reader.choice("tail").flatMap(TailPolicy.init) ?? .full
        settings.trimStart = reader.autoOrNumber("ir_trim_start").map { $0.map(IRTrimStart.milliseconds) ?? .auto }
        settings.irLength = reader.number("ir_length")
        settings.irReverse = reader.flag("ir_reverse")
        return ReverbEffect(impulse: reader.text("impulse") ?? "", settings: settings)
    }

    public var kindName: String { "reverb" }
    public var files: [(key: String, name: String)] { [("impulse", impulse)] }

    public var summary: String { summary(impulse: impulse) }

    func summary(impulse: String) -> String {
        "reverb \(impulse): wet \(settings.wet), dry \(settings.dry), predelay \(Numbers.format(settings.predelay)) ms, "
            + "\(settings.normalization.rawValue) normalisation, tail \(settings.tail.rawValue)"
    }

    public func bind(_ context: BindContext) throws -> BoundEffect {
        let (path, ir) = try context.loadFile(impulse, key: "impulse")
        let template = try self.template(ir: ir, impulsePath: path, context: context)
        let k = template.spectra.plan.kernelLength
        var bound = BoundEffect(summary: summary(impulse: "through \(path)"),
                                channels: (context.channelCount, template.routing.outputChannelCount), kernelLength: k,
                                tail: k - 1, makeProcessor: template.makeProcessor)
        bound.tailIsUpperBound = settings.tail == .auto
        bound.memoryBytes = template.memoryBytes(concurrentProcessors: context.concurrentProcessors)
        return bound
    }

    /// The reverb of `ir` (already at the input's rate) as one convolution. Reports the IR
    /// preparation and the wet path's worst-case gain as notes.
    func template(ir original: AudioBuffer, impulsePath: String, context: BindContext) throws -> ConvolutionTemplate {
        // A mono input through a true-stereo IR: the input as both L and R, giving stereo.
        var ir = context.channelCount == 1 && original.channelCount == 4 ? ImpulseResponsePreparation.foldedForMonoInput(original) : original
        let rate = ir.sampleRate
        guard [1, 2, 4, context.channelCount].contains(original.channelCount) else {
            throw EffectProblem("impulse", "a reverb takes a mono, stereo, 4-channel true-stereo or \(context.channelCount)-channel impulse response, "
                + "not \(original.channelCount) channels; use convolve for other routings (\(impulsePath))")
        }
        let routing = try context.placing(key: "impulse") {
            try ChannelRouting.resolve(inputChannels: context.channelCount, kernelChannels: ir.channelCount,
                                       inputPath: context.inputPath, kernelPath: impulsePath)
        }
        let fadeFrames = try context.frames(.seconds(ReverbSettings.fadeMilliseconds / 1000), key: nil)
        // IR preparation, one small step at a time.
        if let trimStart = settings.trimStart {
            let frames = switch trimStart {
            case .auto: ImpulseResponsePreparation.directSoundOnset(ir)
            case .milliseconds(let ms): try context.frames(.seconds(ms / 1000), key: "ir_trim_start")
            }
            guard frames < ir.frameCount else {
                throw EffectProblem("ir_trim_start", "would remove the whole impulse response (\(ir.frameCount) frames)")
            }
            ir = ImpulseResponsePreparation.droppingStart(ir, frames: frames)
            context.diagnostics.note(String(format: "removed %.2f ms of leading silence from the impulse response", Double(frames) * 1000 / Double(rate)))
        }
        if let irLength = settings.irLength {
            ir = ImpulseResponsePreparation.truncated(ir, frames: try context.frames(.seconds(irLength), key: "ir_length"), fadeFrames: fadeFrames)
        }
        if settings.irReverse { ir = ImpulseResponsePreparation.reversed(ir) }
        let normalization = ImpulseResponsePreparation.normalizationGain(ir, rule: settings.normalization, routing: routing)
        ir = ImpulseResponsePreparation.scaled(ir, by: normalization * Sample(settings.wet.linear))
        let worstCase = ImpulseResponsePreparation.worstCaseGain(ir, routing: routing)
        context.diagnostics.detail("wet path: \(settings.normalization.rawValue) normalisation "
            + String(format: "%+.2f dB, wet %+.2f dB; worst-case peak gain %.2f (%+.1f dB), the headroom a full-scale input needs",
                     20 * log10(Double(normalization)), settings.wet.decibels, worstCase, 20 * log10(max(worstCase, 1e-12))))
        let predelayFrames = try context.frames(.seconds(settings.predelay / 1000), key: "predelay")
        try context.reserve(2 * (ir.frameCount + predelayFrames) * ir.channelCount * MemoryLayout<Sample>.size,
                            for: "the impulse response with its predelay", key: "predelay")
        ir = ImpulseResponsePreparation.delayed(ir, by: predelayFrames)
        ir = ImpulseResponsePreparation.addingDirectPath(ir, dry: Sample(settings.dry.linear), routing: routing)

        let (plan, _) = try context.convolutionPlan(kernelLength: ir.frameCount, kernelChannels: ir.channelCount, routing: routing, key: "impulse")
        let spectra = try KernelSpectra(kernel: ir, plan: plan, precision: context.precision, planning: context.planning)
        let tail = settings.tail
        let channels = routing.outputChannelCount
        let threshold = Sample(pow(10, ReverbSettings.autoTailThresholdDBFS / 20))
        return ConvolutionTemplate(spectra: spectra, routing: routing) {
            switch tail {
            case .full: KeepAllStage()
            case .auto: AutoTailStage(channelCount: channels, threshold: threshold, fadeFrames: fadeFrames)
            }
        }
    }
}
/// Passes the frames up to the input's end; holds the tail after it (at most predelay + K − 1
/// frames) and keeps it only up to the last frame above `threshold`, plus a faded `fadeFrames`.
final class AutoTailStage: OutputStage {
    private let channelCount: Int
    private let threshold: Sample
    private let fadeFrames: Int
    private var position = 0
    private var inputFrames: Int?
    private var tail: [Sample] = []

    init(channelCount: Int, threshold: Sample, fadeFrames: Int) {
        self.channelCount = channelCount
        self.threshold = threshold
        self.fadeFrames = fadeFrames
    }

    func take(_ frames: UnsafeMutablePointer<Sample>, count: Int, next: FrameSink) throws {
        let passing = inputFrames.map { max(0, min(count, $0 - position)) } ?? count
        if passing > 0 { try next(frames, passing) }
        if passing < count {
            tail.append(contentsOf: UnsafeBufferPointer(start: frames + passing * channelCount, count: (count - passing) * channelCount))
        }
        position += count
    }

    func inputEnded(after inputFrames: Int) throws { self.inputFrames = inputFrames }

    func flush(next: FrameSink) throws {
        let lastLoud = tail.lastIndex { abs($0) > threshold }.map { $0 / channelCount } ?? -1
        let keep = min(tail.count / channelCount, lastLoud + 1 + fadeFrames)
        guard keep > 0 else { return }
        let fadeStart = lastLoud + 1
        for frame in fadeStart..<keep {
            let gain = Sample(0.5 + 0.5 * cos(Double.pi * Double(frame - fadeStart + 1) / Double(fadeFrames + 1)))
            for c in 0..<channelCount { tail[frame * channelCount + c] *= gain }
        }
        try tail.withUnsafeMutableBufferPointer { try next($0.baseAddress!, keep) }
        tail = []
    }
}
