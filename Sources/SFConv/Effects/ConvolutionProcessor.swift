/// A convolution (`convolve`, `reverb`, a FIR filter) and the stage that decides which of its
/// output frames to keep.
final class ConvolutionProcessor: AudioProcessor {
    let convolver: PartitionedConvolver
    private let stage: OutputStage

    init(convolver: PartitionedConvolver, stage: OutputStage) {
        self.convolver = convolver
        self.stage = stage
    }

    var inputChannelCount: Int { convolver.routing.inputChannelCount }
    var outputChannelCount: Int { convolver.routing.outputChannelCount }

    func process(_ frames: UnsafeMutablePointer<Sample>, count: Int, next: FrameSink) throws {
        try convolver.process(frames, frameCount: count) { try stage.take($0, count: $1, next: next) }
    }

    func finish(next: FrameSink) throws {
        try stage.inputEnded(after: convolver.inputFrameCount)
        try convolver.finish { try stage.take($0, count: $1, next: next) }
        try stage.flush(next: next)
    }
}

/// What a convolution effect shares between files: the transformed kernel and the routing; each
/// file gets its own convolver state and output stage from ``makeProcessor()``.
struct ConvolutionTemplate: Sendable {
    let spectra: KernelSpectra
    let routing: ChannelRouting
    let makeStage: @Sendable () -> OutputStage

    /// The spectra's bytes and those of `concurrentProcessors` convolvers' buffers.
    func memoryBytes(concurrentProcessors: Int) -> Int {
        let bytes = spectra.plan.estimatedBytes(kernelChannels: spectra.channelCount, inputChannels: routing.inputChannelCount,
                                                outputChannels: routing.outputChannelCount, precision: spectra.precision)
        return bytes.spectra + bytes.perConvolver * concurrentProcessors
    }

    func makeProcessor() -> AudioProcessor {
        ConvolutionProcessor(convolver: PartitionedConvolver(spectra: spectra, routing: routing), stage: makeStage())
    }
}

/// Keeps every frame: the full convolution.
final class KeepAllStage: OutputStage {
    func take(_ frames: UnsafeMutablePointer<Sample>, count: Int, next: FrameSink) throws { try next(frames, count) }
    func inputEnded(after inputFrames: Int) throws {}
    func flush(next: FrameSink) throws {}
}

/// Keeps a window of the convolution: from `start`, as many frames as `length(inputFrames)` says
/// (scipy's full, same and valid modes; a filter's latency compensation).
final class WindowStage: OutputStage {
    private let channelCount: Int
    private let length: (Int) throws -> Int
    private var window: FrameWindow

    init(start: Int, channelCount: Int, length: @escaping (Int) throws -> Int) {
        self.channelCount = channelCount
        self.length = length
        window = FrameWindow(start: start)
    }

    func take(_ frames: UnsafeMutablePointer<Sample>, count: Int, next: FrameSink) throws {
        let (offset, kept) = window.take(count)
        if kept > 0 { try next(frames + offset * channelCount, kept) }
    }

    func inputEnded(after inputFrames: Int) throws {
        window.end = window.start + (try length(inputFrames))
    }

    func flush(next: FrameSink) throws {}
}
