import Foundation

/// One effect of a chain bound to an input format: what `--dry-run` shows, and a maker of
/// processors that share its kernel (so a batch transforms each kernel once).
public struct BoundEffect: Sendable {
    public var summary: String
    public var channels: (input: Int, output: Int)
    /// Taps of its kernel, when it convolves.
    public var kernelLength: Int?
    /// Frames of delay it removes (a linear-phase filter's) or adds (a delay, a predelay).
    public var latency: Int
    /// Frames it adds after the input's end (its tail), for a full-length input.
    public var tail: Int
    /// A fresh processor for one file; nil for `normalize`, which is a second pass.
    let makeProcessor: (@Sendable () -> AudioProcessor)?
}

extension EffectChain {
    /// Binds every effect to an input of `channels` channels at `rate` Hz: designs filters, loads
    /// and prepares kernels and impulses, checks what depends on the rate. Nothing is rendered.
    public func bind(inputChannels: Int, rate: Int, inputPath: String, planning: FFTPlanning = .estimate,
                     diagnostics: Diagnostics = .silent) throws -> [BoundEffect] {
        var channels = inputChannels
        var bound: [BoundEffect] = []
        for located in effects {
            let effect = try bindOne(located, channels: channels, rate: rate, inputPath: inputPath, planning: planning, diagnostics: diagnostics)
            channels = effect.channels.output
            bound.append(effect)
        }
        return bound
    }

    private func bindOne(_ located: LocatedEffect, channels: Int, rate: Int, inputPath: String,
                         planning: FFTPlanning, diagnostics: Diagnostics) throws -> BoundEffect {
        switch located.effect {
        case .gain(let db):
            return BoundEffect(summary: "gain \(FIRDesign.format(db)) dB", channels: (channels, channels), latency: 0, tail: 0,
                               makeProcessor: { GainProcessor(gain: Float(pow(10, db / 20)), channelCount: channels) })
        case .delay(let ms):
            let frames = Int((ms * Double(rate) / 1000).rounded())
            return BoundEffect(summary: "delay \(FIRDesign.format(ms)) ms", channels: (channels, channels), latency: frames, tail: 0,
                               makeProcessor: { DelayProcessor(frames: frames, channelCount: channels) })
        case .normalize(let level):
            return BoundEffect(summary: "normalize the peak to \(FIRDesign.format(level)) dBFS (second pass)", channels: (channels, channels),
                               latency: 0, tail: 0, makeProcessor: nil)
        case .filter(var spec, let keepDelay):
            spec.rate = Double(rate)
            let design: FilterDesign
            do {
                design = try spec.design()
            } catch let error as SFConvError {
                throw Self.presetError(error, in: located)
            }
            let template = try design.template(channels: channels, keepDelay: keepDelay, planning: planning)
            let taps = design.taps
            var summary = ResponsePlot.title(design)
            if let cutoffs = design.cutoffs { summary += ", edges \(cutoffs.map { FIRDesign.format($0) }.joined(separator: "–")) Hz" }
            return BoundEffect(summary: summary, channels: (channels, channels), kernelLength: taps,
                               latency: keepDelay ? 0 : -design.latency, tail: keepDelay ? taps - 1 : 0,
                               makeProcessor: template.makeProcessor)
        case .convolve(let name, let mode, let correlate):
            let path = try PresetLibrary.resolveFile(name, in: fileSearchFolders, location: located.location(of: "kernel"))
            let kernel = try loadKernel(path: path, rate: rate, resample: true, diagnostics: diagnostics)
            let template = try ConvolutionTemplate.convolution(kernel: kernel, mode: mode, correlate: correlate, channels: channels,
                                                               inputPath: inputPath, kernelPath: path, planning: planning)
            let k = kernel.frameCount
            return BoundEffect(summary: "\(correlate ? "correlate" : "convolve") with \(path), mode \(mode.rawValue)",
                               channels: (channels, template.routing.outputChannelCount), kernelLength: k,
                               latency: -mode.start(kernelLength: k), tail: mode.length(inputLength: 0, kernelLength: k) + mode.start(kernelLength: k),
                               makeProcessor: template.makeProcessor)
        case .reverb(let name, let settings):
            let path = try PresetLibrary.resolveFile(name, in: fileSearchFolders, location: located.location(of: "impulse"))
            let ir = try loadKernel(path: path, rate: rate, resample: true, diagnostics: diagnostics)
            let template: ConvolutionTemplate
            do {
                template = try settings.template(ir: ir, inputChannels: channels, inputPath: inputPath, impulsePath: path,
                                                 planning: planning, diagnostics: diagnostics)
            } catch let error as SFConvError {
                throw Self.presetError(error, in: located)
            }
            let k = template.spectra.plan.kernelLength
            let summary = "reverb through \(path): wet \(settings.wet), dry \(settings.dry), predelay \(FIRDesign.format(settings.predelay)) ms, "
                + "\(settings.normalization.rawValue) normalisation, tail \(settings.tail.rawValue)"
            return BoundEffect(summary: summary, channels: (channels, template.routing.outputChannelCount), kernelLength: k,
                               latency: 0, tail: k - 1, makeProcessor: template.makeProcessor)
        }
    }

    /// An error from the shared design or reverb code, placed at the key it is about and with the
    /// command-line option names turned into preset keys.
    static func presetError(_ error: SFConvError, in effect: LocatedEffect) -> SFConvError {
        var message = error.message
        var place = effect.location
        for (key, location) in effect.keyLocations.sorted(by: { $0.key < $1.key }) {
            let option = "--" + key.replacingOccurrences(of: "_", with: "-")
            if message.contains(option) || message.lowercased().hasPrefix(key) {
                place = location
            }
            message = message.replacingOccurrences(of: option, with: "'\(key)'")
        }
        for option in ["cutoff", "low", "high", "taps", "transition", "attenuation", "points", "beta", "window", "predelay", "wet", "dry", "ir-length", "ir-trim-start"] {
            message = message.replacingOccurrences(of: "--\(option)", with: "'\(option.replacingOccurrences(of: "-", with: "_"))'")
        }
        return place.error(message)
    }
}

/// `sfconv apply`: a whole chain in one streaming pass (plus one for a final `normalize`).
public struct ApplyRequest: Sendable {
    public var inputPath: String
    public var outputPath: String
    public var chain: EffectChain
    /// Command-line output options; the preset's `[output]` fills what they leave open.
    public var output = OutputOptions()
    public var dither = true
    public var planning: FFTPlanning = .estimate

    public init(inputPath: String, outputPath: String, chain: EffectChain) {
        self.inputPath = inputPath
        self.outputPath = outputPath
        self.chain = chain
    }

    /// What `--dry-run` prints: the chain bound to the input, and the output's length.
    public func describe() throws -> String {
        let reader = try SoundFileReader(path: inputPath)
        let bound = try chain.bind(inputChannels: reader.channelCount, rate: reader.sampleRate, inputPath: inputPath, planning: planning)
        let rate = Double(reader.sampleRate)
        func seconds(_ frames: Int) -> String { String(format: "%.3f s", Double(frames) / rate) }
        var lines = ["\(chain.name)\(chain.path.map { " (\($0))" } ?? "")",
                     "input: \(reader.channelCount) channel(s) at \(reader.sampleRate) Hz" + (reader.declaredFrameCount.map { ", \($0) frames (\(seconds($0)))" } ?? "")]
        var length = reader.declaredFrameCount
        for (index, effect) in bound.enumerated() {
            var line = "  \(index + 1). \(effect.summary)"
            line += "; channels \(effect.channels.input)→\(effect.channels.output)"
            if let k = effect.kernelLength { line += "; kernel \(k) taps" }
            if effect.latency < 0 { line += "; removes \(-effect.latency) frames of delay" }
            if effect.latency > 0 { line += "; adds \(effect.latency) frames (\(seconds(effect.latency))) of delay" }
            if effect.tail > 0 { line += "; tail \(effect.tail) frames (\(seconds(effect.tail)))" }
            lines.append(line)
            length = length.map { max(0, $0 + max(0, effect.latency) + effect.tail) }
        }
        let format = try resolvedOutput.format(for: outputPath, input: reader.format)
        lines.append("output: \(outputPath), \(format.containerName), \(format.subtypeName)"
                     + (length.map { ", \($0) frames (\(seconds($0)))" } ?? ""))
        return lines.joined(separator: "\n")
    }

    var resolvedOutput: OutputOptions {
        var options = output
        if options.subtype == nil { options.subtype = chain.outputSubtype }
        if options.container == nil { options.container = chain.outputContainer }
        return options
    }

    public func run(diagnostics: Diagnostics = .standardError, progress: @escaping ProgressFactory = { _, _ in nil }) throws -> RenderSummary {
        let reader = try SoundFileReader(path: inputPath)
        let bound = try chain.bind(inputChannels: reader.channelCount, rate: reader.sampleRate, inputPath: inputPath,
                                   planning: planning, diagnostics: diagnostics)
        let processors = bound.compactMap { $0.makeProcessor?() }
        let processor: AudioProcessor = processors.isEmpty
            ? GainProcessor(gain: 1, channelCount: reader.channelCount)
            : ChainProcessor(processors)
        return try Renderer.renderFile(reader: reader, processor: processor, outputPath: outputPath, options: resolvedOutput,
                                       dither: dither, normalizeTo: chain.normalizeLevel, label: "apply",
                                       diagnostics: diagnostics, progress: progress)
    }
}
