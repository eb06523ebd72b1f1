/// `loudness`: normalise the output's integrated loudness (EBU R128) to a target in LUFS, under
/// an optional true-peak ceiling, in a second pass (the last effect).
public struct LoudnessEffect: EffectSpec {
    public var target: LoudnessTarget

    public init(target: LoudnessTarget) { self.target = target }

    public static let kind = EffectKind(
        name: "loudness", summary: "normalise the integrated loudness, EBU R128 (second pass; the last effect)",
        parameters: [
            .init("lufs", .decibels(noun: "a loudness in LUFS", range: -70...0), help: "The integrated loudness in LUFS (default -16; -23 is EBU R128 broadcast)."),
            .init("true_peak", .decibels(noun: "a true-peak ceiling in dBTP", range: -30...0),
                  help: "The highest true peak allowed, in dBTP: the gain stops short of the target rather than pass it."),
        ],
        positionalKey: "lufs"
    ) { reader in LoudnessEffect(target: LoudnessTarget(integrated: reader.decibels("lufs") ?? -16, truePeakCeiling: reader.decibels("true_peak"))) }

    public var kindName: String { "loudness" }
    public var summary: String {
        "normalize the loudness to \(Numbers.format(target.integrated)) LUFS"
            + (target.truePeakCeiling.map { ", true peak at most \(Numbers.format($0)) dBTP" } ?? "") + " (second pass)"
    }
    public var mustBeLast: Bool { true }

    public func bind(_ context: BindContext) throws -> BoundEffect {
        BoundEffect(summary: summary, channels: (context.channelCount, context.channelCount), finalPass: .loudness(target), makeProcessor: nil)
    }
}
