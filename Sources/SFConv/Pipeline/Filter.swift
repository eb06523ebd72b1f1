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

    public func run(diagnostics: Diagnostics = .standardError, progress: @escaping ProgressFactory = { _, _ in nil }) throws -> RenderSummary {
        let reader = try SoundFileReader(path: inputPath)
        var spec = self.spec
        spec.rate = Double(reader.sampleRate)
        let design = try spec.design()
        let template = try design.template(channels: reader.channelCount, keepDelay: keepDelay, planning: planning)
        return try Renderer.renderFile(reader: reader, processor: template.makeProcessor(),
                                       outputPath: outputPath, options: output, dither: dither, normalizeTo: nil, label: "filter",
                                       diagnostics: diagnostics, progress: progress)
    }
}

extension FilterDesign {
    /// The filter as a convolution on `channels` channels: latency-compensated to the input's length,
    /// or with `keepDelay` the full convolution.
    func template(channels: Int, keepDelay: Bool, planning: FFTPlanning) throws -> ConvolutionTemplate {
        let routing = ChannelRouting(inputChannels: channels, kernelChannels: 1)!
        let taps = self.taps, latency = self.latency
        return ConvolutionTemplate(spectra: try KernelSpectra(kernel: kernel, planning: planning), routing: routing) {
            keepDelay
                ? WindowStage(start: 0, channelCount: channels) { $0 + taps - 1 }
                : WindowStage(start: latency, channelCount: channels) { $0 }
        }
    }
}
