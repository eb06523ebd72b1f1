import Foundation

/// A gain given as a linear factor (`0.3`) or in decibels (`-6dB`).
public struct Gain: Sendable, Equatable, CustomStringConvertible {
    public var linear: Double

    public init(linear: Double) { self.linear = linear }
    public init(decibels: Double) { linear = pow(10, decibels / 20) }

    /// Parses `0.3`, `-6dB`, `-6 db`, `+3dB`; nil when malformed or not finite.
    public init?(_ text: String) {
        var body = text.trimmingCharacters(in: .whitespaces)
        let isDecibels = body.lowercased().hasSuffix("db")
        if isDecibels { body = String(body.dropLast(2)).trimmingCharacters(in: .whitespaces) }
        guard let value = Double(body), value.isFinite else { return nil }
        if isDecibels {
            self.init(decibels: value)
        } else {
            guard value >= 0 else { return nil }
            self.init(linear: value)
        }
    }

    public var decibels: Double { 20 * log10(linear) }

    public var description: String {
        linear == 0 ? "0 (-inf dB)" : String(format: "%.3g (%+.1f dB)", linear, decibels)
    }
}

/// How much of the reverb's tail to keep.
public enum TailPolicy: String, CaseIterable, Sendable {
    /// Every frame: N + predelay + K − 1.
    case full
    /// Stop once the output stays below ``ReverbRequest/autoTailThresholdDBFS`` after the input
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
    /// Seconds; cuts the IR with a fade.
    public var irLength: Double?
    public var irReverse = false

    /// −12 dB: with an energy-normalised IR, the reverb sits 12 dB under the dry signal.
    public static let defaultWet = Gain(decibels: -12)
    public static let defaultDry = Gain(linear: 1)
    /// The tail is cut once the output stays under −96 dBFS (16-bit's noise floor).
    public static let autoTailThresholdDBFS = -96.0
    /// The fade over the last kept frames of an auto tail, and of an IR cut by `--ir-length`.
    public static let fadeMilliseconds = 10.0
    /// The largest wet or dry gain accepted (+12 dB).
    public static let maximumGain = 4.0

    public init() {}

    /// Checks the values that do not depend on the audio; messages name the option.
    public func validate() throws {
        guard predelay.isFinite, (0...10_000).contains(predelay) else { throw SFConvError("--predelay must be from 0 to 10000 ms, not \(predelay)") }
        guard wet.linear <= Self.maximumGain else { throw SFConvError("--wet must be at most \(Self.maximumGain) (+12 dB), not \(wet.linear)") }
        guard dry.linear <= Self.maximumGain else { throw SFConvError("--dry must be at most \(Self.maximumGain) (+12 dB), not \(dry.linear)") }
        if case .milliseconds(let ms) = trimStart, !(ms >= 0 && ms.isFinite) {
            throw SFConvError("--ir-trim-start must be 'auto' or milliseconds ≥ 0, not \(ms)")
        }
        if let irLength, !(irLength > 0 && irLength.isFinite) {
            throw SFConvError("--ir-length must be a positive number of seconds, not \(irLength)")
        }
    }

    /// The reverb of `ir` (already at the input's rate) on `inputChannels` channels, as one
    /// convolution. Reports the IR preparation and the wet path's worst-case gain as notes.
    func template(ir original: AudioBuffer, inputChannels: Int, inputPath: String, impulsePath: String,
                  planning: FFTPlanning, diagnostics: Diagnostics) throws -> ConvolutionTemplate {
        try validate()
        var ir = original
        let rate = ir.sampleRate
        let routing = try ChannelRouting.resolve(inputChannels: inputChannels, kernelChannels: ir.channelCount,
                                                 inputPath: inputPath, kernelPath: impulsePath)
        let fadeFrames = Int(Self.fadeMilliseconds * Double(rate) / 1000)
        // IR preparation, one small step at a time.
        if let trimStart {
            let frames = switch trimStart {
            case .auto: ImpulseResponsePreparation.directSoundOnset(ir)
            case .milliseconds(let ms): Int((ms * Double(rate) / 1000).rounded())
            }
            ir = ImpulseResponsePreparation.droppingStart(ir, frames: frames)
            diagnostics.note(String(format: "removed %.2f ms of leading silence from the impulse response", Double(frames) * 1000 / Double(rate)))
        }
        if let irLength {
            ir = ImpulseResponsePreparation.truncated(ir, frames: Int((irLength * Double(rate)).rounded()), fadeFrames: fadeFrames)
        }
        if irReverse { ir = ImpulseResponsePreparation.reversed(ir) }
        let normalization = ImpulseResponsePreparation.normalizationGain(ir, rule: self.normalization, routing: routing)
        ir = ImpulseResponsePreparation.scaled(ir, by: normalization * Float(wet.linear))
        let worstCase = ImpulseResponsePreparation.worstCaseGain(ir, routing: routing)
        diagnostics.note("wet path: \(self.normalization.rawValue) normalisation "
            + String(format: "%+.2f dB, wet %+.2f dB; worst-case peak gain %.2f (%+.1f dB), the headroom a full-scale input needs",
                     20 * log10(Double(normalization)), wet.decibels, worstCase, 20 * log10(max(worstCase, 1e-12))))
        ir = ImpulseResponsePreparation.delayed(ir, by: Int((predelay * Double(rate) / 1000).rounded()))
        ir = ImpulseResponsePreparation.addingDirectPath(ir, dry: Float(dry.linear), routing: routing)

        let spectra = try KernelSpectra(kernel: ir, planning: planning)
        let tail = self.tail
        let channels = routing.outputChannelCount
        let threshold = Float(pow(10, Self.autoTailThresholdDBFS / 20))
        return ConvolutionTemplate(spectra: spectra, routing: routing) {
            switch tail {
            case .full: KeepAllStage()
            case .auto: AutoTailStage(channelCount: channels, threshold: threshold, fadeFrames: fadeFrames)
            }
        }
    }
}

/// `sfconv reverb`: a file through an impulse response file.
public struct ReverbRequest: Sendable {
    public var inputPath: String
    public var impulsePath: String
    public var outputPath: String
    public var settings = ReverbSettings()
    public var output = OutputOptions()
    public var dither = true
    /// Peak-normalise the output to this level in dBFS (two passes).
    public var normalizeOutput: Double?
    public var resampleImpulse = true
    public var planning: FFTPlanning = .estimate

    public init(inputPath: String, impulsePath: String, outputPath: String) {
        self.inputPath = inputPath
        self.impulsePath = impulsePath
        self.outputPath = outputPath
    }

    public func run(diagnostics: Diagnostics = .standardError, progress: @escaping ProgressFactory = { _, _ in nil }) throws -> RenderSummary {
        try settings.validate()
        let reader = try SoundFileReader(path: inputPath)
        let ir = try loadKernel(path: impulsePath, rate: reader.sampleRate, resample: resampleImpulse, diagnostics: diagnostics)
        let processor = try settings.template(ir: ir, inputChannels: reader.channelCount, inputPath: inputPath,
                                              impulsePath: impulsePath, planning: planning, diagnostics: diagnostics).makeProcessor()
        return try Renderer.renderFile(reader: reader, processor: processor, outputPath: outputPath, options: output,
                                       dither: dither, normalizeTo: normalizeOutput, label: "reverb",
                                       diagnostics: diagnostics, progress: progress)
    }
}

/// Passes the frames up to the input's end; holds the tail after it (at most predelay + K − 1
/// frames) and keeps it only up to the last frame above `threshold`, plus a faded `fadeFrames`.
final class AutoTailStage: OutputStage {
    private let channelCount: Int
    private let threshold: Float
    private let fadeFrames: Int
    private var position = 0
    private var inputFrames: Int?
    private var tail: [Float] = []

    init(channelCount: Int, threshold: Float, fadeFrames: Int) {
        self.channelCount = channelCount
        self.threshold = threshold
        self.fadeFrames = fadeFrames
    }

    func take(_ frames: UnsafeMutablePointer<Float>, count: Int, next: FrameSink) throws {
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
            let gain = Float(0.5 + 0.5 * cos(Double.pi * Double(frame - fadeStart + 1) / Double(fadeFrames + 1)))
            for c in 0..<channelCount { tail[frame * channelCount + c] *= gain }
        }
        try tail.withUnsafeMutableBufferPointer { try next($0.baseAddress!, keep) }
        tail = []
    }
}
