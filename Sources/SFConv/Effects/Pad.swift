/// `pad`: silence before and after the input.
public struct PadEffect: EffectSpec {
    public var before: TimeValue
    public var after: TimeValue

    public init(before: TimeValue = .frames(0), after: TimeValue = .frames(0)) {
        self.before = before
        self.after = after
    }

    public static let kind = EffectKind(
        name: "pad", summary: "add silence before and after",
        parameters: [.init("before", .time(maximumSeconds: 3600), help: "Silence before the input (1.5, 250ms or 48000f)."),
                     .init("after", .time(maximumSeconds: 3600), help: "Silence after the input.")]
    ) { reader in
        if !reader.has("before") && !reader.has("after") { reader.problem(nil, "pad needs 'before' or 'after' (a time such as 0.5 or 250ms)") }
        return PadEffect(before: reader.time("before") ?? .frames(0), after: reader.time("after") ?? .frames(0))
    }

    public var kindName: String { "pad" }
    public var summary: String { "pad \(before) before, \(after) after" }

    public func bind(_ context: BindContext) throws -> BoundEffect {
        let channels = context.channelCount
        let head = try context.frames(before, key: "before"), tail = try context.frames(after, key: "after")
        return BoundEffect(summary: summary, channels: (channels, channels), latency: head, tail: tail) {
            SilenceProcessor(before: head, after: tail, channelCount: channels)
        }
    }
}
