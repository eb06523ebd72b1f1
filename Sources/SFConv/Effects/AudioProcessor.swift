/// A streaming stage of a chain: interleaved frames in, interleaved frames out, any block sizes.
/// Construction does all planning; `process` only streams; `finish` emits what the stage still
/// holds (a convolution's tail, a delay's end).
public protocol AudioProcessor: AnyObject {
    var inputChannelCount: Int { get }
    var outputChannelCount: Int { get }
    /// Takes `count` frames (which it may modify) and passes what it produces to `next`.
    func process(_ frames: UnsafeMutablePointer<Float>, count: Int, next: FrameSink) throws
    /// The input has ended.
    func finish(next: FrameSink) throws
}

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

    func process(_ frames: UnsafeMutablePointer<Float>, count: Int, next: FrameSink) throws {
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

    func makeProcessor() -> ConvolutionProcessor {
        ConvolutionProcessor(convolver: PartitionedConvolver(spectra: spectra, routing: routing), stage: makeStage())
    }
}

/// Multiplies every sample by a gain.
final class GainProcessor: AudioProcessor {
    let gain: Float
    let inputChannelCount: Int
    var outputChannelCount: Int { inputChannelCount }

    init(gain: Float, channelCount: Int) {
        self.gain = gain
        inputChannelCount = channelCount
    }

    func process(_ frames: UnsafeMutablePointer<Float>, count: Int, next: FrameSink) throws {
        for i in 0..<(count * inputChannelCount) { frames[i] *= gain }
        try next(frames, count)
    }

    func finish(next: FrameSink) throws {}
}

/// Delays the signal by whole frames: silence first, then the input; the output is longer by the delay.
final class DelayProcessor: AudioProcessor {
    let delayFrames: Int
    let inputChannelCount: Int
    var outputChannelCount: Int { inputChannelCount }
    private var started = false

    init(frames: Int, channelCount: Int) {
        delayFrames = frames
        inputChannelCount = channelCount
    }

    private func emitSilence(next: FrameSink) throws {
        guard !started else { return }
        started = true
        let block = 8192
        var silence = [Float](repeating: 0, count: block * inputChannelCount)
        var remaining = delayFrames
        while remaining > 0 {
            let count = min(block, remaining)
            try silence.withUnsafeMutableBufferPointer { try next($0.baseAddress!, count) }
            remaining -= count
        }
    }

    func process(_ frames: UnsafeMutablePointer<Float>, count: Int, next: FrameSink) throws {
        try emitSilence(next: next)
        try next(frames, count)
    }

    func finish(next: FrameSink) throws { try emitSilence(next: next) }
}

/// Processors in series: each one's output is the next one's input.
final class ChainProcessor: AudioProcessor {
    let processors: [AudioProcessor]

    init(_ processors: [AudioProcessor]) {
        precondition(!processors.isEmpty)
        precondition(zip(processors, processors.dropFirst()).allSatisfy { $0.outputChannelCount == $1.inputChannelCount })
        self.processors = processors
    }

    var inputChannelCount: Int { processors[0].inputChannelCount }
    var outputChannelCount: Int { processors.last!.outputChannelCount }

    private func push(from index: Int, _ frames: UnsafeMutablePointer<Float>, _ count: Int, next: FrameSink) throws {
        if index == processors.count { return try next(frames, count) }
        try processors[index].process(frames, count: count) { try push(from: index + 1, $0, $1, next: next) }
    }

    func process(_ frames: UnsafeMutablePointer<Float>, count: Int, next: FrameSink) throws {
        try push(from: 0, frames, count, next: next)
    }

    func finish(next: FrameSink) throws {
        for index in processors.indices {
            try processors[index].finish { try push(from: index + 1, $0, $1, next: next) }
        }
    }
}
