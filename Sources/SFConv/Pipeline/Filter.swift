import Foundation

/// `sfconv filter`: designs a FIR at the input's rate and applies it with the streaming engine.
///
/// A linear-phase filter's delay of (taps − 1)/2 frames is removed, so the output lines up with the
/// input and has its length (scipy's `same`); `keepDelay` keeps the full convolution instead.
/// A minimum-phase filter keeps its own small delay, and the input's length.
public struct FilterRequest: Sendable {
    public var inputPath: String
    public var outputPath: String
    /// Its `rate` is replaced by the input's.
    public var spec: FilterSpec
    public var keepDelay = false
    public var dither = true
    public var output = OutputOptions()
    public var planning: FFTPlanning = .estimate

    public init(inputPath: String, outputPath: String, spec: FilterSpec) {
        self.inputPath = inputPath
        self.outputPath = outputPath
        self.spec = spec
    }

    public func run(diagnostics: Diagnostics = .standardError, progress: ProgressBar? = nil) throws -> RenderSummary {
        let reader = try SoundFileReader(path: inputPath)
        var spec = self.spec
        spec.rate = Double(reader.sampleRate)
        let design = try spec.design()
        let routing = ChannelRouting(inputChannels: reader.channelCount, kernelChannels: 1)!
        let convolver = try PartitionedConvolver(kernel: design.kernel, routing: routing, planning: planning)
        let taps = design.taps
        let stage = keepDelay
            ? WindowStage(start: 0, channelCount: routing.outputChannelCount) { $0 + taps - 1 }
            : WindowStage(start: design.latency, channelCount: routing.outputChannelCount) { $0 }
        return try Renderer.renderFile(reader: reader, processor: ConvolutionProcessor(convolver: convolver, stage: stage),
                                       outputPath: outputPath, options: output, dither: dither, normalizeTo: nil, label: "filter",
                                       diagnostics: diagnostics, progress: { _, _ in progress })
    }
}
