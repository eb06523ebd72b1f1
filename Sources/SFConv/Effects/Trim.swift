import Foundation

/// `trim`: keeps the part of the input from `start` to `end` (times from the input's start).
public struct TrimEffect: EffectSpec {
    public var start: TimeValue
    /// nil: to the input's end.
    public var end: TimeValue?

    public init(start: TimeValue = .frames(0), end: TimeValue? = nil) {
        self.start = start
        self.end = end
    }

    public static let kind = EffectKind(
        name: "trim", summary: "keep the part from start to end",
        parameters: [.init("start", .time(maximumSeconds: 86_400), help: "Where the kept part starts (1.5, 250ms or 48000f)."),
                     .init("end", .time(maximumSeconds: 86_400), help: "Where it ends, from the input's start (default: its end).")]
    ) { reader in
        if !reader.has("start") && !reader.has("end") { reader.problem(nil, "trim needs 'start' or 'end' (a time such as 0.5 or 250ms)") }
        let effect = TrimEffect(start: reader.time("start") ?? .frames(0), end: reader.time("end"))
        // Times in the same unit compare before any rate is known.
        let endsFirst: Bool = switch (effect.start, effect.end) {
        case (.seconds(let a), .seconds(let b)?): b <= a
        case (.frames(let a), .frames(let b)?): b <= a
        case (.frames(0), .seconds(0)?): true
        default: false
        }
        if endsFirst { reader.problem("end", "must come after \(reader.name("start")) (\(effect.start)), not at \(effect.end!)") }
        return effect
    }

    public var kindName: String { "trim" }
    public var summary: String { "trim from \(start) to \(end.map(\.description) ?? "the end")" }

    public func bind(_ context: BindContext) throws -> BoundEffect {
        let channels = context.channelCount
        let first = try context.frames(start, key: "start")
        let last = try end.map { try context.frames($0, key: "end") }
        if let last, last <= first {
            throw EffectProblem("end", "must come after \(context.name("start")) (\(start)), not at \(end!)")
        }
        let length: @Sendable (Int) -> Int = { n in max(0, min(n, last ?? n) - first) }
        return BoundEffect(summary: summary, channels: (channels, channels), latency: -first, length: length) {
            TrimProcessor(window: FrameWindow(start: first, end: last), channelCount: channels)
        }
    }
}

/// Passes the frames whose index lies in the window.
final class TrimProcessor: AudioProcessor {
    private var window: FrameWindow
    let inputChannelCount: Int
    var outputChannelCount: Int { inputChannelCount }

    init(window: FrameWindow, channelCount: Int) {
        self.window = window
        inputChannelCount = channelCount
    }

    func process(_ frames: UnsafeMutablePointer<Sample>, count: Int, next: FrameSink) throws {
        let (offset, kept) = window.take(count)
        if kept > 0 { try next(frames + offset * inputChannelCount, kept) }
    }

    func finish(next: FrameSink) throws {}
}

/// Keeps frames of a stream whose index lies in `start ..< end` (`end` may be learnt late).
struct FrameWindow {
    var start: Int
    var end: Int?
    private(set) var position = 0

    init(start: Int, end: Int? = nil) {
        self.start = start
        self.end = end
    }

    /// For the next `count` frames of the stream: the offset of the first kept frame, and how many are kept.
    mutating func take(_ count: Int) -> (offset: Int, count: Int) {
        let first = max(start, position)
        let last = min(end ?? Int.max, position + count)
        position += count
        return last > first ? (first - (position - count), last - first) : (0, 0)
    }
}
