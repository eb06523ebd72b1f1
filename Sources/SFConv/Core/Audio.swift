/// The sample type of every stream between reader, effects and writer, and of audio in memory:
/// Double, which holds every PCM width (and 32- and 64-bit float) exactly, so an identity chain
/// is bit-exact and quantisation happens once, in the writer. Convolutions compute in the
/// ``Precision`` asked (single-precision FFTs are the fast default).
public typealias Sample = Double

/// Planar audio held in memory: kernels, impulse responses, generated signals; never whole input files.
public struct AudioBuffer: Sendable, Equatable {
    public var channels: [[Sample]]
    /// In Hz.
    public var sampleRate: Int

    public init(channels: [[Sample]], sampleRate: Int) {
        precondition(!channels.isEmpty && channels.allSatisfy { $0.count == channels[0].count })
        self.channels = channels
        self.sampleRate = sampleRate
    }

    public var channelCount: Int { channels.count }
    public var frameCount: Int { channels[0].count }
}

/// Where a stage hands frames on: interleaved frames, valid only during the call.
public typealias FrameSink = (UnsafeMutablePointer<Sample>, Int) throws -> Void

/// Where a render's frames come from: a file being read, or audio in memory.
public protocol FrameSource: AnyObject {
    /// What messages name: a file's path, or a description.
    var path: String { get }
    var channelCount: Int { get }
    /// In Hz.
    var sampleRate: Int { get }
    /// The frames expected, when known (for progress and `--dry-run`).
    var declaredFrameCount: Int? { get }
    /// Reads up to `frameCount` interleaved frames; 0 at the end.
    func read(into buffer: UnsafeMutablePointer<Sample>, frameCount: Int) throws -> Int
    /// After the last read: reports what the source learnt (a file shorter than its header says).
    func finish(diagnostics: Diagnostics)
}

/// A streaming stage of a chain: interleaved frames in, interleaved frames out, any block sizes.
/// Construction does all planning; `process` only streams; `finish` emits what the stage still
/// holds (a convolution's tail, a delay's end).
public protocol AudioProcessor: AnyObject {
    var inputChannelCount: Int { get }
    var outputChannelCount: Int { get }
    /// Takes `count` frames (which it may modify) and passes what it produces to `next`.
    func process(_ frames: UnsafeMutablePointer<Sample>, count: Int, next: FrameSink) throws
    /// The input has ended.
    func finish(next: FrameSink) throws
}

/// Decides which of a convolver's output frames go on.
protocol OutputStage: AnyObject {
    /// Frames in stream order; passes those it keeps to `next`.
    func take(_ frames: UnsafeMutablePointer<Sample>, count: Int, next: FrameSink) throws
    /// The input ended after `inputFrames` frames (called before the convolver's tail).
    func inputEnded(after inputFrames: Int) throws
    /// After the last frame: passes on anything held back.
    func flush(next: FrameSink) throws
}

/// Audio in memory as a ``FrameSource`` (for `generate` and `design -o`).
public final class BufferSource: FrameSource {
    public let path: String
    public let buffer: AudioBuffer
    private var position = 0

    public init(_ buffer: AudioBuffer, description: String) {
        self.buffer = buffer
        path = description
    }

    public var channelCount: Int { buffer.channelCount }
    public var sampleRate: Int { buffer.sampleRate }
    public var declaredFrameCount: Int? { buffer.frameCount }

    public func read(into destination: UnsafeMutablePointer<Sample>, frameCount: Int) throws -> Int {
        let count = min(frameCount, buffer.frameCount - position)
        for (c, channel) in buffer.channels.enumerated() {
            for i in 0..<count { destination[i * channelCount + c] = channel[position + i] }
        }
        position += count
        return count
    }

    public func finish(diagnostics: Diagnostics) {}
}
