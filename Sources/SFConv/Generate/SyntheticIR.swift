import Foundation

/// A synthetic impulse response: a clear direct sound, a few early reflections, then exponentially
/// decaying noise whose high frequencies die sooner than its lows, decorrelated between channels.
public struct SyntheticIR: Sendable {
    /// The kind of space, which sets the early reflections, the build-up of the diffuse tail,
    /// the frequency dependence of the decay, and the reverberant-to-direct energy.
    public enum Space: String, CaseIterable, Sendable {
        case room, hall, plate
    }

    /// Reverberation time in seconds (60 dB of decay) at mid frequencies (500 Hz–1 kHz), 0.05–30.
    public var rt60: Double
    public var space: Space
    /// 1 (mono), 2 (stereo) or 4 (true stereo: L→L, L→R, R→L, R→R).
    public var channelCount: Int
    /// In Hz.
    public var sampleRate: Int
    /// Seconds; nil for 1.5 × rt60 (90 dB of decay) plus the onset.
    public var length: Double?
    public var seed: UInt64

    public init(rt60: Double, space: Space, channelCount: Int = 2, sampleRate: Int = 48000, length: Double? = nil, seed: UInt64 = 1) {
        self.rt60 = rt60
        self.space = space
        self.channelCount = channelCount
        self.sampleRate = sampleRate
        self.length = length
        self.seed = seed
    }

    /// Octave bands from 125 Hz to 16 kHz; the decay time of each is rt60 × this factor.
    static let bandCentres: [Double] = [125, 250, 500, 1000, 2000, 4000, 8000, 16000]

    struct Character {
        var decayFactors: [Double]
        /// When the diffuse tail begins, and how long it takes to build up (seconds).
        var tailStart: Double
        var buildUp: Double
        var reflectionCount: Int
        var reflectionWindow: ClosedRange<Double>
        /// Energy of the diffuse tail relative to the direct sound's.
        var reverberantToDirect: Double
    }

    var character: Character {
        switch space {
        case .room:
            Character(decayFactors: [1.1, 1.05, 1.0, 0.95, 0.85, 0.7, 0.55, 0.4], tailStart: 0.004, buildUp: 0.006,
                      reflectionCount: 8, reflectionWindow: 0.002...0.02, reverberantToDirect: 1.5)
        case .hall:
            Character(decayFactors: [1.25, 1.15, 1.05, 1.0, 0.9, 0.75, 0.55, 0.35], tailStart: 0.015, buildUp: 0.05,
                      reflectionCount: 12, reflectionWindow: 0.012...0.09, reverberantToDirect: 4)
        case .plate:
            Character(decayFactors: [0.8, 0.9, 1.0, 1.0, 1.0, 0.95, 0.85, 0.75], tailStart: 0.0005, buildUp: 0.002,
                      reflectionCount: 0, reflectionWindow: 0...0, reverberantToDirect: 6)
        }
    }

    /// Checks the parameters; the message names the option at fault.
    public func validate() throws {
        guard rt60.isFinite, (0.05...30).contains(rt60) else { throw SFConvError("--rt60 must be from 0.05 to 30 seconds, not \(rt60)") }
        guard [1, 2, 4].contains(channelCount) else { throw SFConvError("--channels must be 1, 2 or 4 for an impulse response, not \(channelCount)") }
        guard (8000...384_000).contains(sampleRate) else { throw SFConvError("--rate must be from 8000 to 384000 Hz, not \(sampleRate)") }
        if let length, !(length.isFinite && length > 0 && length <= 60) {
            throw SFConvError("--length must be from 0 to 60 seconds, not \(length)")
        }
    }

    /// Renders the IR, peak at −0.9 dBFS.
    public func render() throws -> AudioBuffer {
        try validate()
        let rate = Double(sampleRate)
        let character = character
        let frameCount = max(16, Int(((length ?? (1.5 * rt60 + character.tailStart + character.buildUp)) * rate).rounded()))
        var fftSize = 16
        while fftSize < frameCount { fftSize *= 2 }
        let fft = try RealFFT<Double>(size: fftSize, planning: .estimate)
        let masks = bandMasks(fftSize: fftSize, rate: rate)

        var channels: [[Sample]] = []
        for channel in 0..<channelCount {
            var noise = NoiseGenerator(seed: seed &* 0x1000_0000_01B3 &+ UInt64(channel) &+ 1)
            let isDirect = channelCount != 4 || channel == 0 || channel == 3
            var h = diffuseTail(frameCount: frameCount, fft: fft, masks: masks, noise: &noise, character: character)
            // Scale the tail to its share of energy; cross paths of true stereo a little weaker.
            let energy = h.reduce(0) { $0 + $1 * $1 }
            let target = character.reverberantToDirect * (isDirect ? 1 : 0.5)
            let gain = energy > 0 ? (target / energy).squareRoot() : 0
            for i in h.indices { h[i] *= gain }
            addEarlyReflections(&h, noise: &noise, character: character, scale: isDirect ? 1 : 0.7)
            if isDirect { h[0] += 1 }
            channels.append(h)
        }
        let peak = channels.map { $0.map(abs).max() ?? 0 }.max() ?? 1
        let normalised = channels.map { $0.map { $0 * 0.9 / peak } }
        return AudioBuffer(channels: normalised, sampleRate: sampleRate)
    }

    /// Complementary raised-cosine masks over log frequency, one per octave band: they sum to 1.
    private func bandMasks(fftSize: Int, rate: Double) -> [[Double]] {
        let bins = fftSize / 2 + 1
        let bandCount = Self.bandCentres.count
        return (0..<bandCount).map { band in
            (0..<bins).map { bin in
                let frequency = max(Double(bin) * rate / Double(fftSize), 1)
                let u = log2(frequency / Self.bandCentres[0])
                let offset = u - Double(band)
                if offset <= -1 { return band == 0 ? 1 : 0 }
                if offset >= 1 { return band == bandCount - 1 ? 1 : 0 }
                if offset < 0 { return band == 0 ? 1 : pow(sin(Double.pi / 2 * (offset + 1)), 2) }
                return band == bandCount - 1 ? 1 : pow(cos(Double.pi / 2 * offset), 2)
            }
        }
    }

    /// Gaussian noise split into octave bands, each decaying at its own rate, with the onset ramp
    /// and a fade over the last 5 %.
    private func diffuseTail(frameCount: Int, fft: RealFFT<Double>, masks: [[Double]], noise: inout NoiseGenerator, character: Character) -> [Double] {
        let size = fft.size
        let time = AlignedBuffer<Double>(count: size)
        let spectrum = AlignedBuffer<Double>(count: size + 2)
        let bandSpectrum = AlignedBuffer<Double>(count: size + 2)
        let bandTime = AlignedBuffer<Double>(count: size)
        for i in 0..<size { time.pointer[i] = Double(noise.nextGaussian()) }
        fft.forward(time.pointer, spectrum: spectrum.pointer)
        let rate = Double(sampleRate)
        var tail = [Double](repeating: 0, count: frameCount)
        for (band, mask) in masks.enumerated() {
            for bin in 0..<(size / 2 + 1) {
                bandSpectrum.pointer[2 * bin] = spectrum.pointer[2 * bin] * Double(mask[bin])
                bandSpectrum.pointer[2 * bin + 1] = spectrum.pointer[2 * bin + 1] * Double(mask[bin])
            }
            fft.inverse(bandSpectrum.pointer, output: bandTime.pointer)
            let decay = 3 * log(10) / (rt60 * character.decayFactors[band])
            for i in 0..<frameCount {
                tail[i] += Double(bandTime.pointer[i]) * exp(-decay * Double(i) / rate)
            }
        }
        let fadeFrames = max(1, frameCount / 20)
        for i in 0..<frameCount {
            let t = Double(i) / rate - character.tailStart
            tail[i] *= t <= 0 ? 0 : 1 - exp(-t / character.buildUp)
            let fromEnd = frameCount - 1 - i
            if fromEnd < fadeFrames { tail[i] *= 0.5 - 0.5 * cos(Double.pi * Double(fromEnd) / Double(fadeFrames)) }
        }
        return tail
    }

    /// Discrete reflections in the space's window, decaying with the tail, random in sign and time.
    private func addEarlyReflections(_ h: inout [Double], noise: inout NoiseGenerator, character: Character, scale: Double) {
        let rate = Double(sampleRate)
        for _ in 0..<character.reflectionCount {
            let position = character.reflectionWindow.lowerBound
                + (noise.nextUniform() + 1) / 2 * (character.reflectionWindow.upperBound - character.reflectionWindow.lowerBound)
            let index = Int(position * rate)
            guard index < h.count else { continue }
            let level = scale * (0.35 + 0.25 * (noise.nextUniform() + 1) / 2) * exp(-3 * log(10) * position / rt60)
            h[index] += noise.nextUniform() < 0 ? -level : level
        }
    }
}
