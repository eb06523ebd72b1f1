import Foundation

/// Test signals for `sfconv generate`: each a pure function of the frame index.
public enum TestSignal: Sendable, Equatable {
    /// A sine at `frequency` Hz.
    case sine(frequency: Double)
    /// White noise, uniform in ±amplitude, reproducible from `seed` (each channel its own stream).
    case noise(seed: UInt64)
    /// An exponential (logarithmic) sine sweep from `start` to `end` Hz over the whole duration,
    /// as used for impulse-response measurement (Farina).
    case sweep(start: Double, end: Double)
    /// A single full-amplitude sample at frame 0, then silence.
    case impulse

    /// Writes `frameCount` frames of `channelCount` identical channels (independent ones for noise)
    /// at `amplitude` (linear, peak) to `writer`, block by block.
    public func render(to writer: SoundFileWriter, frameCount: Int, amplitude: Double, progress: ProgressBar? = nil) throws {
        let rate = Double(writer.sampleRate)
        let channels = writer.channelCount
        let blockFrames = 32768
        var block = [Float](repeating: 0, count: blockFrames * channels)
        var generators = (0..<channels).map { channel -> NoiseGenerator in
            if case .noise(let seed) = self { return NoiseGenerator(seed: seed &* 0x9E37_79B9 &+ UInt64(channel)) }
            return NoiseGenerator(seed: 0)
        }
        let duration = Double(frameCount) / rate
        var frame = 0
        while frame < frameCount {
            let count = min(blockFrames, frameCount - frame)
            for i in 0..<count {
                let t = Double(frame + i) / rate
                for c in 0..<channels {
                    let value: Double
                    switch self {
                    case .sine(let frequency):
                        value = sin(2 * Double.pi * frequency * t)
                    case .noise:
                        value = generators[c].nextUniform()
                    case .sweep(let start, let end):
                        let k = log(end / start)
                        value = sin(2 * Double.pi * start * duration / k * (exp(t / duration * k) - 1))
                    case .impulse:
                        value = frame + i == 0 ? 1 : 0
                    }
                    block[i * channels + c] = Float(value * amplitude)
                }
            }
            try block.withUnsafeMutableBufferPointer { try writer.write($0.baseAddress!, frameCount: count) }
            frame += count
            progress?.update(frame)
        }
        progress?.finish()
        try writer.commit()
    }
}

/// A small reproducible generator (SplitMix64): the same seed gives the same samples on any machine.
struct NoiseGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [−1, 1).
    mutating func nextUniform() -> Double { Double(next() >> 11) / Double(1 << 52) - 1 }

    /// Standard normal (Box–Muller).
    mutating func nextGaussian() -> Double {
        let u = max(Double(next() >> 11) / Double(1 << 53), 1e-300)
        let v = Double(next() >> 11) / Double(1 << 53)
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }
}
