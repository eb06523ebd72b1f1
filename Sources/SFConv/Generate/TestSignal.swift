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

    /// The signal as a stream of `frameCount` frames of `channelCount` identical channels
    /// (independent ones for noise) at `amplitude` (linear, peak).
    public func source(frameCount: Int, channelCount: Int, sampleRate: Int, amplitude: Double) -> FrameSource {
        SignalSource(signal: self, frameCount: frameCount, channelCount: channelCount, sampleRate: sampleRate, amplitude: amplitude)
    }

    /// The value at time `t` of a signal lasting `duration` seconds, from channel `c`'s noise generator.
    func value(frame: Int, t: Double, duration: Double, noise: inout NoiseGenerator) -> Double {
        switch self {
        case .sine(let frequency):
            return sin(2 * Double.pi * frequency * t)
        case .noise:
            return noise.nextUniform()
        case .sweep(let start, let end):
            return ExponentialSweep.value(at: t, start: start, end: end, duration: duration)
        case .impulse:
            return frame == 0 ? 1 : 0
        }
    }
}

/// A test signal computed as it is read.
final class SignalSource: FrameSource {
    let signal: TestSignal
    let frameCount: Int
    let channelCount: Int
    let sampleRate: Int
    let amplitude: Double
    private var generators: [NoiseGenerator]
    private var position = 0

    init(signal: TestSignal, frameCount: Int, channelCount: Int, sampleRate: Int, amplitude: Double) {
        self.signal = signal
        self.frameCount = frameCount
        self.channelCount = channelCount
        self.sampleRate = sampleRate
        self.amplitude = amplitude
        generators = (0..<channelCount).map { channel in
            if case .noise(let seed) = signal { return NoiseGenerator(seed: seed &* 0x9E37_79B9 &+ UInt64(channel)) }
            return NoiseGenerator(seed: 0)
        }
    }

    var path: String { "generated signal" }
    var declaredFrameCount: Int? { frameCount }

    func read(into buffer: UnsafeMutablePointer<Sample>, frameCount requested: Int) throws -> Int {
        let count = min(requested, frameCount - position)
        let rate = Double(sampleRate), duration = Double(frameCount) / rate
        for i in 0..<count {
            let frame = position + i
            for c in 0..<channelCount {
                let value = signal.value(frame: frame, t: Double(frame) / rate, duration: duration, noise: &generators[c])
                buffer[i * channelCount + c] = Sample(value * amplitude)
            }
        }
        position += count
        return count
    }

    func finish(diagnostics: Diagnostics) {}
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
