import Foundation

/// `delay`: silence first, then the input; the output is longer by the delay.
public struct DelayEffect: EffectSpec {
    /// Milliseconds, 0 … 60000.
    public var milliseconds: Double

    public init(milliseconds: Double) { self.milliseconds = milliseconds }

    public static let kind = EffectKind(
        name: "delay", summary: "delay by silence before the input",
        parameters: [.init("ms", .number(noun: "a delay", unit: "ms", lower: 0, upper: 60_000, lowerOpen: false), required: true,
                           help: "The delay in milliseconds.")]
    ) { reader in DelayEffect(milliseconds: reader.number("ms") ?? 0) }

    public var kindName: String { "delay" }
    public var summary: String { "delay \(Numbers.format(milliseconds)) ms" }

    public func bind(_ context: BindContext) throws -> BoundEffect {
        let channels = context.channelCount
        let frames = try context.frames(.seconds(milliseconds / 1000), key: "ms")
        return BoundEffect(summary: summary, channels: (channels, channels), latency: frames) {
            SilenceProcessor(before: frames, after: 0, channelCount: channels)
        }
    }
}

/// Emits `before` frames of silence ahead of the input and `after` frames after it.
final class SilenceProcessor: AudioProcessor {
    let before: Int, after: Int
    let inputChannelCount: Int
    var outputChannelCount: Int { inputChannelCount }
    private var started = false

    init(before: Int, after: Int, channelCount: Int) {
        self.before = before
        self.after = after
        inputChannelCount = channelCount
    }

    private func emitSilence(_ frameCount: Int, next: FrameSink) throws {
        let block = 8192
        var silence = [Sample](repeating: 0, count: min(block, max(frameCount, 1)) * inputChannelCount)
        var remaining = frameCount
        while remaining > 0 {
            let count = min(block, remaining)
            try silence.withUnsafeMutableBufferPointer { try next($0.baseAddress!, count) }
            remaining -= count
        }
    }

    private func start(next: FrameSink) throws {
        guard !started else { return }
        started = true
        try emitSilence(before, next: next)
    }

    func process(_ frames: UnsafeMutablePointer<Sample>, count: Int, next: FrameSink) throws {
        try start(next: next)
        try next(frames, count)
    }

    func finish(next: FrameSink) throws {
        try start(next: next)
        try emitSilence(after, next: next)
    }
}
