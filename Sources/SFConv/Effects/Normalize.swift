/// `normalize`: peak-normalise the output to a level in dBFS, in a second pass (the last effect).
public struct NormalizeEffect: EffectSpec {
    /// dBFS, −120 … 0.
    public var level: Double

    public init(level: Double = -1) { self.level = level }

    public static let kind = EffectKind(
        name: "normalize", summary: "peak-normalise the output (second pass; the last effect)",
        parameters: [.init("db", .decibels(noun: "a peak level in dBFS", range: -120...0), help: "The peak level in dBFS (default -1).")]
    ) { reader in NormalizeEffect(level: reader.decibels("db") ?? -1) }

    public var kindName: String { "normalize" }
    public var summary: String { "normalize the peak to \(Numbers.format(level)) dBFS (second pass)" }
    public var mustBeLast: Bool { true }

    public func bind(_ context: BindContext) throws -> BoundEffect {
        BoundEffect(summary: summary, channels: (context.channelCount, context.channelCount), finalPass: .peak(dBFS: level), makeProcessor: nil)
    }
}
