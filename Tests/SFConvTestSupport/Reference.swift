import Foundation
import SFConv

/// The naive direct convolution in Double that the FFT engine is tested against: N + K − 1 values.
public func directConvolution(_ x: [Sample], _ h: [Sample]) -> [Double] {
    guard !x.isEmpty, !h.isEmpty else { return [] }
    var y = [Double](repeating: 0, count: x.count + h.count - 1)
    for i in x.indices {
        let xi = Double(x[i])
        if xi == 0 { continue }
        for j in h.indices { y[i + j] += xi * Double(h[j]) }
    }
    return y
}

/// The full convolution of planar `input` by `kernel` under `routing`, per output channel.
public func directConvolution(input: [[Sample]], kernel: [[Sample]], routing: ChannelRouting) -> [[Double]] {
    let length = input[0].count + kernel[0].count - 1
    var outputs = [[Double]](repeating: [Double](repeating: 0, count: length), count: routing.outputChannelCount)
    for term in routing.terms {
        let part = directConvolution(input[term.input], kernel[term.kernelChannel])
        for i in part.indices { outputs[term.output][i] += part[i] }
    }
    return outputs
}

/// Largest absolute difference, and the reference's peak.
public func maximumError(_ actual: [Sample], _ reference: [Double]) -> (error: Double, peak: Double) {
    precondition(actual.count == reference.count, "lengths differ: \(actual.count) vs \(reference.count)")
    var error = 0.0, peak = 0.0
    for i in actual.indices {
        error = max(error, abs(Double(actual[i]) - reference[i]))
        peak = max(peak, abs(reference[i]))
    }
    return (error, peak)
}

/// A small deterministic generator (SplitMix64), so failures can be replayed from their seed.
public struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

public func randomSignal(_ count: Int, using generator: inout SeededGenerator) -> [Sample] {
    (0..<count).map { _ in Sample(Float.random(in: -1...1, using: &generator)) }
}

/// Interleaves planar channels.
public func interleave(_ channels: [[Sample]]) -> [Sample] {
    var out = [Sample](repeating: 0, count: channels.count * channels[0].count)
    for (c, channel) in channels.enumerated() {
        for i in channel.indices { out[i * channels.count + c] = channel[i] }
    }
    return out
}

/// Splits interleaved samples into `channelCount` channels.
public func deinterleave(_ samples: [Sample], channelCount: Int) -> [[Sample]] {
    (0..<channelCount).map { c in stride(from: c, to: samples.count, by: channelCount).map { samples[$0] } }
}
