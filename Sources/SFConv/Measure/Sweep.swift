import Foundation

/// An exponential (logarithmic) sine sweep for impulse-response measurement (Farina), and its
/// inverse filter. `generate sweep` and `sweep` both take their samples from here.
///
/// x(t) = A·sin(2π·f₁·L·(e^{t/L} − 1)), L = T / ln(f₂/f₁), for 0 ≤ t < T: the instantaneous
/// frequency f₁·e^{t/L} rises from f₁ to f₂, spending equal time per octave (a pink spectrum,
/// |X(f)|² ∝ 1/f).
public struct ExponentialSweep: Sendable, Equatable {
    /// Start and end frequency in Hz, 0 < start < end ≤ rate/2.
    public var start: Double
    public var end: Double
    /// Length of the sweep itself in seconds (without the trailing silence), > 0.
    public var duration: Double
    /// In Hz.
    public var sampleRate: Int
    /// Half-Hann fade at the start and at the end, in seconds (each at most half the duration).
    public var fadeIn: Double
    public var fadeOut: Double
    /// Silence after the sweep, in seconds (room for the room's decay), ≥ 0.
    public var silence: Double
    /// Peak amplitude, linear.
    public var amplitude: Double

    public init(start: Double = 20, end: Double = 20000, duration: Double = 10, sampleRate: Int = 48000,
                fadeIn: Double = 0.05, fadeOut: Double = 0.01, silence: Double = 3, amplitude: Double = 0.5) {
        self.start = start
        self.end = end
        self.duration = duration
        self.sampleRate = sampleRate
        self.fadeIn = fadeIn
        self.fadeOut = fadeOut
        self.silence = silence
        self.amplitude = amplitude
    }

    /// The sweep rate constant L = T / ln(f₂/f₁), in seconds: the k-th harmonic's response arrives
    /// L·ln(k) seconds before the linear one after deconvolution.
    public var rateConstant: Double { Self.rateConstant(start: start, end: end, duration: duration) }

    static func rateConstant(start: Double, end: Double, duration: Double) -> Double { duration / log(end / start) }

    /// The unfaded, unit-amplitude sweep from `start` to `end` Hz over `duration` seconds, at `t` seconds.
    public static func value(at t: Double, start: Double, end: Double, duration: Double) -> Double {
        let l = rateConstant(start: start, end: end, duration: duration)
        return sin(2 * Double.pi * start * l * (exp(t / l) - 1))
    }

    /// Frames of the sweep itself.
    public var sweepFrameCount: Int { max(1, Int((duration * Double(sampleRate)).rounded())) }
    /// Frames of the trailing silence.
    public var silenceFrameCount: Int { max(0, Int((silence * Double(sampleRate)).rounded())) }

    /// Checks the parameters; the message names the option at fault.
    public func validate() throws {
        guard (1000...768_000).contains(sampleRate) else { throw SFConvError("--rate must be from 1000 to 768000 Hz, not \(sampleRate)") }
        guard duration.isFinite, duration >= 0.1, duration <= 600 else {
            throw SFConvError("--duration must be from 0.1 to 600 seconds, not \(Numbers.format(duration))")
        }
        let nyquist = Double(sampleRate) / 2
        guard start.isFinite, end.isFinite, start > 0, end > start, end <= nyquist else {
            throw SFConvError("need 0 < --start < --end ≤ half the rate (\(Numbers.format(nyquist)) Hz); got \(Numbers.format(start)) and \(Numbers.format(end))")
        }
        guard end / start >= 2 else { throw SFConvError("--end must be at least an octave above --start (\(Numbers.format(start)) Hz)") }
        for (name, value) in [("--fade-in", fadeIn), ("--fade-out", fadeOut)] {
            guard value.isFinite, value >= 0, value <= duration / 2 else {
                throw SFConvError("\(name) must be from 0 to half the duration (\(Numbers.format(duration * 500)) ms), not \(Numbers.format(value * 1000)) ms")
            }
        }
        guard silence.isFinite, silence >= 0, silence <= 600 else { throw SFConvError("--silence must be from 0 to 600 seconds, not \(Numbers.format(silence))") }
        guard amplitude.isFinite, amplitude > 0, amplitude <= 1 else { throw SFConvError("the sweep's amplitude must be above 0 and at most 1") }
    }

    /// The half-Hann fade envelope at frame `n` of the sweep.
    private func fade(_ n: Int) -> Double {
        let rate = Double(sampleRate)
        let fadeInFrames = Int((fadeIn * rate).rounded()), fadeOutFrames = Int((fadeOut * rate).rounded())
        var gain = 1.0
        if n < fadeInFrames { gain *= 0.5 - 0.5 * cos(Double.pi * Double(n) / Double(fadeInFrames)) }
        let fromEnd = sweepFrameCount - 1 - n
        if fromEnd < fadeOutFrames { gain *= 0.5 - 0.5 * cos(Double.pi * Double(fromEnd) / Double(fadeOutFrames)) }
        return gain
    }

    /// The sweep with its fades, without the silence: `sweepFrameCount` samples.
    public func sweepSamples() -> [Double] {
        let rate = Double(sampleRate), frames = sweepFrameCount
        let seconds = Double(frames) / rate
        return (0..<frames).map { n in
            amplitude * fade(n) * Self.value(at: Double(n) / rate, start: start, end: end, duration: seconds)
        }
    }

    /// What is played: the sweep, then the silence.
    public func samples() -> [Double] {
        sweepSamples() + [Double](repeating: 0, count: silenceFrameCount)
    }

    /// The inverse filter: the time-reversed sweep with an envelope falling 6 dB per octave of its
    /// frequency (e^{−t/L}), which turns the sweep's pink spectrum white, scaled so that
    /// sweep ∗ inverse is a unit impulse band-limited to `start`…`end`, delayed by
    /// `sweepFrameCount − 1` frames.
    ///
    /// By stationary phase, a sweep of amplitude A has |X(ν)| = (A/2)·√(Lₙ/ν) (ν in cycles per
    /// frame, Lₙ = L·rate frames); the reversed sweep times B·e^{−t/L} has (B·ν/ν₂/2)·√(Lₙ/ν); their
    /// product is 1 when B = 4ν₂ / (A·Lₙ).
    public func inverseFilter() -> [Double] {
        let sweep = sweepSamples()
        let frames = sweep.count, rate = Double(sampleRate)
        let l = Self.rateConstant(start: start, end: end, duration: Double(frames) / rate)
        // The reversed sweep already carries A: B = A · scale.
        let scale = 4 * (end / rate) / (amplitude * amplitude * l * rate)
        return (0..<frames).map { n in
            sweep[frames - 1 - n] * scale * exp(-Double(n) / rate / l)
        }
    }
}
