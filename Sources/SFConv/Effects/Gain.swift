import Foundation

/// `gain`: multiplies every sample by a gain given in dB.
public struct GainEffect: EffectSpec {
    /// In dB, −120 … +60.
    public var decibels: Double

    public init(decibels: Double) { self.decibels = decibels }

    public static let kind = EffectKind(
        name: "gain", summary: "multiply by a gain",
        parameters: [.init("db", .decibels(noun: "a gain", range: -120...60), required: true, help: "The gain in dB (-6 or -6dB).")]
    ) { reader in GainEffect(decibels: reader.decibels("db") ?? 0) }

    public var kindName: String { "gain" }
    public var summary: String { "gain \(Numbers.format(decibels)) dB" }

    public func bind(_ context: BindContext) throws -> BoundEffect {
        let channels = context.channelCount, gain = Sample(pow(10, decibels / 20))
        return BoundEffect(summary: summary, channels: (channels, channels)) { GainProcessor(gain: gain, channelCount: channels) }
    }
}

/// Multiplies every sample by a gain.
final class GainProcessor: AudioProcessor {
    let gain: Sample
    let inputChannelCount: Int
    var outputChannelCount: Int { inputChannelCount }

    init(gain: Sample, channelCount: Int) {
        self.gain = gain
        inputChannelCount = channelCount
    }

    func process(_ frames: UnsafeMutablePointer<Sample>, count: Int, next: FrameSink) throws {
        if gain != 1 {
            for i in 0..<(count * inputChannelCount) { frames[i] *= gain }
        }
        try next(frames, count)
    }

    func finish(next: FrameSink) throws {}
}
