import Foundation

/// How an impulse response is scaled before use.
public enum IRNormalization: String, CaseIterable, Sendable {
    /// Unit energy per output channel: the mean over output channels of Σh² over the IR channels
    /// feeding it is 1, so white noise keeps its power through the wet path. Independent of the
    /// sample rate (an IR and its resampled copy give the same loudness) and of the IR's length.
    case energy
    /// The largest |h| becomes 1. Loudness then depends on the IR's length, density and rate.
    case peak
    /// Used as it is.
    case none
}

/// Small pure steps that prepare an impulse response: each returns a new value.
public enum ImpulseResponsePreparation {
    /// Where the direct sound starts: the first frame (over all channels) reaching −30 dB of the
    /// IR's peak, less 0.5 ms so its onset is kept.
    public static func directSoundOnset(_ ir: AudioBuffer) -> Int {
        let peak = ir.channels.map { $0.map(abs).max() ?? 0 }.max() ?? 0
        guard peak > 0 else { return 0 }
        let threshold = peak * 0.031_622_8
        let first = ir.channels.compactMap { $0.firstIndex { abs($0) >= threshold } }.min() ?? 0
        return max(0, first - ir.sampleRate / 2000)
    }

    /// The IR without its first `frames` frames (at least one frame is kept).
    public static func droppingStart(_ ir: AudioBuffer, frames: Int) -> AudioBuffer {
        let drop = min(max(0, frames), ir.frameCount - 1)
        return AudioBuffer(channels: ir.channels.map { Array($0[drop...]) }, sampleRate: ir.sampleRate)
    }

    /// The first `frames` frames, the last `fadeFrames` of them faded out with a half cosine.
    public static func truncated(_ ir: AudioBuffer, frames: Int, fadeFrames: Int) -> AudioBuffer {
        let length = min(max(1, frames), ir.frameCount)
        let fade = min(fadeFrames, length)
        let channels = ir.channels.map { channel -> [Sample] in
            var cut = Array(channel[..<length])
            if length < channel.count {
                for i in 0..<fade {
                    let position = Double(i + 1) / Double(fade + 1)
                    cut[length - fade + i] *= Sample(0.5 + 0.5 * cos(Double.pi * position))
                }
            }
            return cut
        }
        return AudioBuffer(channels: channels, sampleRate: ir.sampleRate)
    }

    /// The IR (or a kernel) reversed in time: convolving with it is correlating with the original.
    public static func reversed(_ ir: AudioBuffer) -> AudioBuffer {
        AudioBuffer(channels: ir.channels.map { Array($0.reversed()) }, sampleRate: ir.sampleRate)
    }

    /// The IR multiplied by `gain`.
    public static func scaled(_ ir: AudioBuffer, by gain: Sample) -> AudioBuffer {
        AudioBuffer(channels: ir.channels.map { $0.map { $0 * gain } }, sampleRate: ir.sampleRate)
    }

    /// The gain that `rule` applies to `ir` used with `routing`.
    public static func normalizationGain(_ ir: AudioBuffer, rule: IRNormalization, routing: ChannelRouting) -> Sample {
        switch rule {
        case .none:
            return 1
        case .peak:
            let peak = ir.channels.map { $0.map(abs).max() ?? 0 }.max() ?? 0
            return peak > 0 ? 1 / peak : 1
        case .energy:
            let energies = ir.channels.map { $0.reduce(0.0) { $0 + Double($1) * Double($1) } }
            var perOutput = [Double](repeating: 0, count: routing.outputChannelCount)
            for term in routing.terms { perOutput[term.output] += energies[term.kernelChannel] }
            let mean = perOutput.reduce(0, +) / Double(perOutput.count)
            return mean > 0 ? Sample(1 / mean.squareRoot()) : 1
        }
    }

    /// The largest gain any output channel can see from the IR: max over outputs of Σ|h| over the
    /// IR channels feeding it (a full-scale input of the worst sign pattern reaches this peak).
    public static func worstCaseGain(_ ir: AudioBuffer, routing: ChannelRouting) -> Double {
        let sums = ir.channels.map { $0.reduce(0.0) { $0 + Double(abs($1)) } }
        var perOutput = [Double](repeating: 0, count: routing.outputChannelCount)
        for term in routing.terms { perOutput[term.output] += sums[term.kernelChannel] }
        return perOutput.max() ?? 0
    }

    /// The IR delayed by `frames` frames of silence.
    public static func delayed(_ ir: AudioBuffer, by frames: Int) -> AudioBuffer {
        guard frames > 0 else { return ir }
        let silence = [Sample](repeating: 0, count: frames)
        return AudioBuffer(channels: ir.channels.map { silence + $0 }, sampleRate: ir.sampleRate)
    }

    /// The IR with `dry` added at frame 0 on every kernel channel that maps an input channel to its
    /// own output (all of them for a mono IR or a mono input; L→L and R→R for true stereo), so that
    /// one convolution gives dry·x + (x ∗ h).
    public static func addingDirectPath(_ ir: AudioBuffer, dry: Sample, routing: ChannelRouting) -> AudioBuffer {
        guard dry != 0 else { return ir }
        var channels = ir.channels
        let direct = Set(routing.terms.filter { $0.input == $0.output || routing.inputChannelCount == 1 }.map(\.kernelChannel))
        for channel in direct { channels[channel][0] += dry }
        return AudioBuffer(channels: channels, sampleRate: ir.sampleRate)
    }

    /// A true-stereo IR (L→L, L→R, R→L, R→R) for a mono input sent to both L and R: two channels,
    /// L = h0 + h2 and R = h1 + h3, so a mono input gives stereo through the whole matrix.
    public static func foldedForMonoInput(_ ir: AudioBuffer) -> AudioBuffer {
        precondition(ir.channelCount == 4)
        let c = ir.channels
        return AudioBuffer(channels: [zip(c[0], c[2]).map(+), zip(c[1], c[3]).map(+)], sampleRate: ir.sampleRate)
    }
}
