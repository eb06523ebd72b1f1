import Foundation

/// What a render did: the figures the command line reports.
public struct RenderSummary: Sendable {
    public var inputFrames: Int
    public var outputFrames: Int
    public var channelCount: Int
    public var sampleRate: Int
    /// The output's peak before any clamping.
    public var peak: Sample
    public var clippedSampleCount: Int
    public var clippingReport: String?
    /// The output's loudness, when a `loudness` pass measured it.
    public var loudness: Loudness?
    /// The arithmetic the chain's convolutions ran in (nil where no request chose one).
    public var precision: Precision?

    init(inputFrames: Int, writer: SoundFileWriter) {
        self.inputFrames = inputFrames
        outputFrames = writer.framesWritten
        channelCount = writer.channelCount
        sampleRate = writer.sampleRate
        peak = writer.peak
        clippedSampleCount = writer.clippedSampleCount
        clippingReport = writer.clippingReport
    }
}

/// How a render writes its output.
public struct RenderOutput: Sendable {
    public var path: String
    public var format: SoundFormat
    public var overwrite: Bool
    /// TPDF dither on ≤ 16-bit integer output.
    public var dither: Bool

    public init(path: String, format: SoundFormat, overwrite: Bool, dither: Bool) {
        self.path = path
        self.format = format
        self.overwrite = overwrite
        self.dither = dither
    }
}

/// The one render path every command takes: a source through a bound chain into an atomic
/// writer, with the chain's second pass (peak or loudness normalisation) when it ends with one.
public enum Render {
    /// Renders `source` through `chain` into `output`. With a final `normalize` or `loudness`,
    /// pass one renders to a hidden float (or double) file beside the output and measures its peak (or reads
    /// it back through a loudness meter); pass two copies it with the gain that meets the target.
    /// Memory stays flat either way.
    public static func file(source: FrameSource, chain: BoundChain, output: RenderOutput, label: String,
                            diagnostics: Diagnostics, progress: ProgressFactory) throws -> RenderSummary {
        let channels = chain.outputChannelCount, rate = source.sampleRate
        let expected = source.declaredFrameCount
        guard let finalPass = chain.finalPass else {
            let writer = try SoundFileWriter(path: output.path, format: output.format, channelCount: channels, sampleRate: rate,
                                             overwrite: output.overwrite, dither: output.dither)
            let n = try Renderer.stream(from: source, through: chain.makeProcessor(), to: writer, diagnostics: diagnostics,
                                        progress: progress(label, expected))
            return RenderSummary(inputFrames: n, writer: writer)
        }
        if output.path != "-" { try SoundFileWriter.checkDestination(output.path, overwrite: output.overwrite) }
        // W64: no 4 GiB limit on the pass, whatever OUT's container; doubles where the output
        // can tell them from floats.
        let passSubtype: SampleSubtype = PrecisionSetting.auto.resolved(for: output.format) == .double ? .double : .float
        let passFormat = SoundFormat(container: .w64, subtype: passSubtype.formatValue)
        let passPath = TemporaryFiles.hiddenPath(beside: output.path == "-" ? NSTemporaryDirectory() + "/stdout" : output.path, tag: "pass1.w64")
        TemporaryFiles.register(passPath)
        defer {
            unlink(passPath)
            TemporaryFiles.unregister(passPath)
        }
        let pass = try SoundFileWriter(path: passPath, format: passFormat, channelCount: channels, sampleRate: rate,
                                       overwrite: true, reportedPath: output.path)
        let n = try Renderer.stream(from: source, through: chain.makeProcessor(), to: pass, diagnostics: diagnostics,
                                    progress: progress("\(label) (pass 1 of 2)", expected))
        let gain: Double
        var loudness: Loudness?
        switch finalPass {
        case .peak(let level):
            let peak = Double(pass.peak)
            gain = peak > 0 ? pow(10, level / 20) / peak : 1
            diagnostics.note(peak > 0 ? String(format: "normalised the output peak to %.2f dBFS (gain %+.2f dB)", level, 20 * log10(gain))
                                      : "the output is digital silence: nothing to normalise")
        case .loudness(let target):
            let measured = try Loudness.measure(SoundFileReader(path: passPath))
            let (decibels, shortfall) = target.gain(for: measured)
            gain = pow(10, decibels / 20)
            loudness = measured.integrated.isFinite ? measured.adding(decibels: decibels) : measured
            diagnostics.note(String(format: "loudness %@ → %@ (gain %+.2f dB)", measured.description, (loudness ?? measured).description, decibels))
            if let shortfall { diagnostics.note(shortfall) }
        }
        let passReader = try SoundFileReader(path: passPath)
        let writer = try SoundFileWriter(path: output.path, format: output.format, channelCount: channels, sampleRate: rate,
                                         overwrite: output.overwrite, dither: output.dither)
        _ = try Renderer.stream(from: passReader, through: nil, gain: gain, to: writer, diagnostics: diagnostics,
                                progress: progress("\(label) (pass 2 of 2)", passReader.declaredFrameCount))
        var summary = RenderSummary(inputFrames: n, writer: writer)
        summary.loudness = loudness
        return summary
    }

    /// Writes a source as it is (a generated signal, a designed kernel), atomically like every output.
    public static func unprocessed(_ source: FrameSource, output: RenderOutput, label: String, progress: ProgressFactory) throws -> RenderSummary {
        try file(source: source, chain: .identity(channelCount: source.channelCount), output: output,
                 label: label, diagnostics: .silent, progress: progress)
    }
}

/// A chain over one input file into one output file: `apply`, and `convolve`, `filter` and
/// `reverb` as one-effect chains.
public struct RenderRequest: Sendable {
    public var inputPath: String
    public var outputPath: String
    public var chain: EffectChain
    /// Command-line output options; the preset's `[output]` fills what they and OUT's extension leave open.
    public var output = OutputOptions()
    public var dither = true
    public var planning: FFTPlanning = .estimate
    /// Partition size for every convolution (a power of two, 64 … 262144); nil chooses per kernel.
    public var blockSize: Int?
    /// Resample kernels at another rate (otherwise an error).
    public var resample = true
    /// The most memory kernels and buffers may take, in bytes.
    public var memoryBudget = BindContext.defaultMemoryBudget
    /// The progress bar's word.
    public var label = "render"

    public init(inputPath: String, outputPath: String, chain: EffectChain) {
        self.inputPath = inputPath
        self.outputPath = outputPath
        self.chain = chain
    }

    /// The arithmetic the convolutions run in for output in `format`.
    func precision(for format: SoundFormat) -> Precision {
        output.precision(for: format, preset: chain.outputPrecision)
    }

    /// Binds the chain to `reader`'s format, its convolutions computing in `precision`.
    func bind(to reader: SoundFileReader, precision: Precision, diagnostics: Diagnostics) throws -> BoundChain {
        try PartitionPlan.checkBlockSize(blockSize)
        var context = BindContext(channelCount: reader.channelCount, sampleRate: reader.sampleRate, inputPath: inputPath,
                                  files: ChainFiles(folders: chain.fileSearchFolders, memoryBudget: memoryBudget))
        context.inputFrameCount = reader.declaredFrameCount
        context.memoryBudget = memoryBudget
        context.planning = planning
        context.precision = precision
        context.blockSize = blockSize
        context.resample = resample
        context.diagnostics = diagnostics
        return try chain.bind(context)
    }

    public func run(diagnostics: Diagnostics = .standardError, progress: @escaping ProgressFactory = { _, _ in nil }) throws -> RenderSummary {
        let reader = try SoundFileReader(path: inputPath)
        let format = try output.format(for: outputPath, preset: chain.outputPreferences, input: reader.format)
        let precision = precision(for: format)
        let bound = try bind(to: reader, precision: precision, diagnostics: diagnostics)
        var summary = try Render.file(source: reader, chain: bound,
                                      output: RenderOutput(path: outputPath, format: format, overwrite: output.overwrite, dither: dither),
                                      label: label, diagnostics: diagnostics, progress: progress)
        summary.precision = precision
        return summary
    }

    /// What `--dry-run` prints: the chain bound to the input, and the output's length.
    public func describe() throws -> String {
        let reader = try SoundFileReader(path: inputPath)
        if outputPath != "-" { try SoundFileWriter.checkDestination(outputPath, overwrite: output.overwrite) }
        let format = try output.format(for: outputPath, preset: chain.outputPreferences, input: reader.format)
        let precision = precision(for: format)
        let bound = try bind(to: reader, precision: precision, diagnostics: .silent)
        let rate = Double(reader.sampleRate)
        func seconds(_ frames: Int) -> String { String(format: "%.3f s", Double(frames) / rate) }
        var lines = ["\(chain.name)\(chain.path.map { " (\($0))" } ?? "")",
                     "input: \(reader.channelCount) channel(s) at \(reader.sampleRate) Hz" + (reader.declaredFrameCount.map { ", \($0) frames (\(seconds($0)))" } ?? "")]
        var length = reader.declaredFrameCount
        for (index, effect) in bound.effects.enumerated() {
            var line = "  \(index + 1). \(effect.summary)"
            line += "; channels \(effect.channels.input)→\(effect.channels.output)"
            if let k = effect.kernelLength { line += "; kernel \(k) taps" }
            if effect.latency < 0 { line += "; removes \(-effect.latency) frames of delay" }
            if effect.latency > 0 { line += "; adds \(effect.latency) frames (\(seconds(effect.latency))) of delay" }
            if effect.tail > 0 { line += "; tail \(effect.tailIsUpperBound ? "up to " : "")\(effect.tail) frames (\(seconds(effect.tail)))" }
            lines.append(line)
            length = length.map(effect.outputLength(forInput:))
        }
        let upTo = bound.effects.contains(where: \.tailIsUpperBound) ? "up to " : ""
        lines.append("output: \(outputPath), \(format.containerName), \(format.subtypeName)"
                     + (length.map { ", \(upTo)\($0) frames (\(seconds($0)))" } ?? "") + "; \(precision.rawValue) precision")
        return lines.joined(separator: "\n")
    }
}

extension PartitionPlan {
    /// An error unless `size` is nil or a power of two from ``minimumBlockSize`` to ``maximumBlockSize``.
    public static func checkBlockSize(_ size: Int?) throws {
        guard let size else { return }
        guard size >= minimumBlockSize, size <= maximumBlockSize, size & (size - 1) == 0 else {
            throw SFConvError("--block-size must be a power of two from \(minimumBlockSize) to \(maximumBlockSize), not \(size)")
        }
    }
}
