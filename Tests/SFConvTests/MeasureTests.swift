import Foundation
@testable import SFConv
import SFConvTestSupport
import Testing

// Simulated room measurements: a sweep through a static nonlinearity (a loudspeaker's x + 0.1·x²),
// a known impulse response, and noise, then `deconvolve` and `analyze` as the library does them.

/// Linear convolution through a zero-padded FFT (single precision: errors near −130 dB re the
/// peak, far below what the tests measure).
func fftConvolution(_ x: [Double], _ h: [Double]) throws -> [Double] {
    let count = x.count + h.count - 1
    var size = 16
    while size < count { size *= 2 }
    let fft = try RealFFT<Double>.shared(size: size, planning: .estimate)
    let a = AlignedBuffer<Double>(count: size), b = AlignedBuffer<Double>(count: size)
    let sa = AlignedBuffer<Double>(count: size + 2), sb = AlignedBuffer<Double>(count: size + 2)
    for i in x.indices { a.pointer[i] = Sample(x[i]) }
    for i in h.indices { b.pointer[i] = Sample(h[i]) }
    fft.forward(a.pointer, spectrum: sa.pointer)
    fft.forward(b.pointer, spectrum: sb.pointer)
    for k in 0..<(size / 2 + 1) {
        let (ar, ai, br, bi) = (sa.pointer[2 * k], sa.pointer[2 * k + 1], sb.pointer[2 * k], sb.pointer[2 * k + 1])
        sa.pointer[2 * k] = (ar * br - ai * bi) / Sample(size)
        sa.pointer[2 * k + 1] = (ar * bi + ai * br) / Sample(size)
    }
    fft.inverse(sa.pointer, output: a.pointer)
    return (0..<count).map { Double(a.pointer[$0]) }
}

/// Standard normal samples from a seeded generator (Box–Muller).
func gaussian(_ count: Int, seed: UInt64) -> [Double] {
    var generator = SeededGenerator(seed: seed)
    return (0..<count).map { _ in
        let u = max(Double(generator.next() >> 11) / Double(1 << 53), 1e-300)
        let v = Double(generator.next() >> 11) / Double(1 << 53)
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }
}

/// An impulse response with an exactly known decay: a unit direct sound at frame 0, then from
/// 3 ms Gaussian noise under an exponential envelope of `rt60`, scaled so that the DRR (energy within
/// ±2.5 ms of the peak against the rest) is exactly `drr` dB; 1.5 × rt60 long (90 dB of decay).
func knownIR(rt60: Double, drr: Double, rate: Int, seed: UInt64) -> [Double] {
    let count = Int(1.5 * rt60 * Double(rate))
    let gap = Int(0.003 * Double(rate))
    let noise = gaussian(count, seed: seed)
    let decay = 3 * log(10) / (rt60 * Double(rate))
    var h = (0..<count).map { n in n < gap ? 0 : noise[n] * exp(-decay * Double(n)) }
    let tail = h.reduce(0) { $0 + $1 * $1 }
    let scale = (pow(10, -drr / 10) / tail).squareRoot()
    h = h.map { $0 * scale }
    h[0] = 1
    return h
}

/// What a microphone records: the sweep (with its silence) through x + 0.1·x² (or not), then the
/// room `h`, as long as the sweep file, plus white noise `pnr` dB below the recording's peak.
func simulatedRecording(sweep: [Double], h: [Double], nonlinear: Bool, pnr: Double, seed: UInt64) throws -> [Double] {
    let driven = nonlinear ? sweep.map { $0 + 0.1 * $0 * $0 } : sweep
    let room = Array(try fftConvolution(driven, h).prefix(sweep.count))
    let peak = room.map(abs).max()!
    let level = peak * pow(10, -pnr / 20)
    let noise = gaussian(room.count, seed: seed)
    return zip(room, noise).map { $0 + level * $1 }
}

func energy(_ x: some Collection<Double>) -> Double { x.reduce(0) { $0 + $1 * $1 } }

@Suite struct SweepTests {
    @Test func generateSweepIsTheSharedSweep() throws {
        let source = TestSignal.sweep(start: 20, end: 8000).source(frameCount: 16000, channelCount: 1, sampleRate: 16000, amplitude: 1)
        var samples = [Sample](repeating: 0, count: 16000)
        _ = try samples.withUnsafeMutableBufferPointer { try source.read(into: $0.baseAddress!, frameCount: 16000) }
        let sweep = ExponentialSweep(start: 20, end: 8000, duration: 1, sampleRate: 16000, fadeIn: 0, fadeOut: 0, silence: 0, amplitude: 1)
        let shared = sweep.sweepSamples()
        #expect(zip(samples, shared).allSatisfy { abs(Double($0) - $1) < 1e-6 })
    }

    @Test func instantaneousFrequencyRisesExponentially() {
        // Zero crossings of the reference formula sin(2π f₁ L (e^{t/L} − 1)) against the sweep's, in Double.
        let sweep = ExponentialSweep(start: 50, end: 5000, duration: 2, sampleRate: 48000, fadeIn: 0.05, fadeOut: 0.01, silence: 0.5)
        let x = sweep.samples()
        #expect(x.count == 2 * 48000 + 24000)
        #expect(x.suffix(24000).allSatisfy { $0 == 0 })
        #expect(abs(x.map(abs).max()! - 0.5) < 1e-3)
        #expect(x[0] == 0 && abs(x[95999]) < 1e-3)
        // Count crossings in [1.0, 1.1) s: phase grows by 2 f₁ L (e^{1.1/L} − e^{1/L}) half-cycles.
        let l = 2 / log(100.0)
        let expected = 2 * 50 * l * (exp(1.1 / l) - exp(1.0 / l))
        let crossings = (48000..<52800).filter { (x[$0] < 0) != (x[$0 + 1] < 0) }.count
        #expect(abs(Double(crossings) - expected) <= 1.5, "\(crossings) vs \(expected)")
    }

    @Test(arguments: [(20.0, 8000.0, 16000, 2.0), (20.0, 20000.0, 48000, 3.0), (100.0, 10000.0, 44100, 1.5)])
    func sweepThroughItsInverseIsABandLimitedUnitImpulse(start: Double, end: Double, rate: Int, duration: Double) throws {
        let sweep = ExponentialSweep(start: start, end: end, duration: duration, sampleRate: rate, silence: 0)
        let y = try fftConvolution(sweep.sweepSamples(), sweep.inverseFilter())
        let centre = sweep.sweepFrameCount - 1
        let peakIndex = y.indices.max { abs(y[$0]) < abs(y[$1]) }!
        #expect(peakIndex == centre)
        // The magnitude response inside the band (clear of the fades' edges) is 1 within 0.5 dB.
        var size = 16
        while size < y.count { size *= 2 }
        let spectrum = try SweepDeconvolver.spectrum(y, size: size)
        let binHz = Double(rate) / Double(size)
        var worst = 0.0
        for k in Int(2 * start / binHz)..<Int(end / 1.25 / binHz) {
            let magnitude = (spectrum[2 * k] * spectrum[2 * k] + spectrum[2 * k + 1] * spectrum[2 * k + 1]).squareRoot()
            worst = max(worst, abs(20 * log10(magnitude)))
        }
        #expect(worst < 0.5, "in-band deviation \(worst) dB")
        // Out of band (below half the start frequency) it is at least 20 dB down.
        let below = Int(start / 2 / binHz)
        if below > 1 {
            let m = (spectrum[2 * below] * spectrum[2 * below] + spectrum[2 * below + 1] * spectrum[2 * below + 1]).squareRoot()
            #expect(20 * log10(m) < -20)
        }
    }

    @Test func badParametersNameTheOption() {
        #expect(throws: SFConvError.self) { try ExponentialSweep(start: 20, end: 30000, sampleRate: 48000).validate() }
        #expect(throws: SFConvError.self) { try ExponentialSweep(duration: 0).validate() }
        #expect(throws: SFConvError.self) { try ExponentialSweep(duration: 1, fadeIn: 0.6).validate() }
        #expect(throws: SFConvError.self) { try ExponentialSweep(silence: -1).validate() }
        #expect(throws: Never.self) { try ExponentialSweep().validate() }
    }
}

@Suite struct OctaveBandTests {
    /// The analog Butterworth band-pass magnitude at the prewarped image of `frequency`: what the
    /// bilinear transform makes of it exactly.
    func reference(_ band: OctaveBand, frequency: Double, rate: Double, order: Int = 3) -> Double {
        func warp(_ f: Double) -> Double { 2 * rate * tan(Double.pi * f / rate) }
        let w = warp(frequency), w1 = warp(band.lower), w2 = warp(band.upper)
        let omega = (w * w - w1 * w2) / (w * (w2 - w1))
        return 1 / (1 + pow(omega, Double(2 * order))).squareRoot()
    }

    @Test(arguments: [48000, 44100, 16000])
    func responseIsTheButterworthBandPass(rate: Int) throws {
        for band in OctaveBand.octaves + OctaveBand.thirds {
            guard let filter = band.filter(sampleRate: rate) else {
                #expect(band.upper >= 0.45 * Double(rate))
                continue
            }
            for ratio in [0.25, 0.5, 0.8, 0.95, 1, 1.05, 1.3, 2, 4] {
                let f = band.centre * ratio
                guard f < 0.49 * Double(rate) else { continue }
                let got = filter.magnitude(at: f, sampleRate: Double(rate)), want = reference(band, frequency: f, rate: Double(rate))
                #expect(abs(got - want) < 1e-9 * max(1, want) + 1e-12, "\(band.nominalCentre) Hz at \(f) Hz: \(got) vs \(want)")
            }
            // −3 dB at the edges, and IEC 61260's class-1 limit for octaves two octaves out (≥ 35 dB down... here ≥ 30 dB).
            #expect(abs(20 * log10(filter.magnitude(at: band.lower, sampleRate: Double(rate))) + 3.0103) < 0.01)
        }
        let octave = OctaveBand.octaves[3]
        #expect(octave.nominalCentre == 1000 && abs(octave.lower - 707.95) < 0.01 && abs(octave.upper - 1412.5) < 0.1)
        #expect(OctaveBand.octaves.map(\.nominalCentre) == [125, 250, 500, 1000, 2000, 4000, 8000])
        #expect(OctaveBand.thirds.count == 21 && OctaveBand.thirds.first?.nominalCentre == 100)
    }

    @Test func filteringASineGivesTheResponse() {
        let rate = 48000.0
        let filter = OctaveBand.octaves[2].filter(sampleRate: 48000)!
        for f in [250.0, 500, 700, 1000] {
            let x = (0..<48000).map { sin(2 * Double.pi * f * Double($0) / rate) }
            let y = filter.apply(x)
            let rms = (energy(y.suffix(24000)) / 24000).squareRoot() * 2.0.squareRoot()
            #expect(abs(rms - filter.magnitude(at: f, sampleRate: rate)) < 2e-3, "\(f) Hz")
        }
    }
}

@Suite struct DecayAnalysisTests {
    @Test(arguments: [0.3, 0.8, 2.0])
    func exactExponentialDecay(rt60: Double) throws {
        // A pure exponential (no noise) has a straight Schroeder curve: every decay time is rt60, r² ≈ 1.
        let rate = 16000
        let count = Int(2 * rt60 * Double(rate))
        let h = (0..<count).map { n in exp(-3 * log(10) * Double(n) / (rt60 * Double(rate))) * (n % 2 == 0 ? 1 : -1) }
        let result = try RoomAcoustics.analyze(channel: h, rate: rate, bands: [])
        for t in [result.broadband.t20, result.broadband.t30, result.broadband.edt] {
            #expect(abs(t! / rt60 - 1) < 0.01, "\(t!) vs \(rt60)")
        }
        #expect(result.broadband.t30R2! > 0.9999)
        let a = 3 * log(10) / rt60
        // Energy falls as e^{−2at}: C_T = 10·log10(e^{2aT} − 1), D50 = 1 − e^{−2a·0.05}, Ts = 1/(2a).
        for (value, limit) in [(result.broadband.c50!, 0.05), (result.broadband.c80!, 0.08)] {
            let analytic = 10 * log10(exp(2 * a * limit) - 1)
            #expect(abs(value - analytic) < 0.05, "C\(Int(limit * 1000)) \(value) vs \(analytic)")
        }
        #expect(abs(result.broadband.d50! - (1 - exp(-2 * a * 0.05))) < 0.005)
        #expect(abs(result.broadband.ts! - 1 / (2 * a)) < 0.002)
    }

    @Test func decayRangeDecidesWhichTimesExist() throws {
        // The reverberant decay starts 40 dB above the noise: T20 is possible (35 dB), T30 is not (45 dB): null and a note.
        let rate = 16000, rt60 = 0.8
        let h = knownIR(rt60: rt60, drr: 0, rate: rate, seed: 3)
        // Tail energy 1 (DRR 0 dB) decaying as e^{−2an}: its power at the onset is 2a.
        let startPower = 6 * log(10) / (rt60 * Double(rate))
        let noiseLevel = (startPower * pow(10, -40.0 / 10)).squareRoot()
        let noise = gaussian(h.count + rate, seed: 4)
        let noisy = (0..<(h.count + rate)).map { (($0 < h.count) ? h[$0] : 0) + noise[$0] * noiseLevel }
        let result = try RoomAcoustics.analyze(channel: noisy, rate: rate, bands: OctaveBand.octaves)
        #expect(abs(result.broadband.decayRange - 40) < 2, "decay range \(result.broadband.decayRange)")
        #expect(result.broadband.t30 == nil && result.broadband.note?.contains("T30 needs 45 dB") == true)
        #expect(result.broadband.t20 != nil && abs(result.broadband.t20! / rt60 - 1) < 0.05, "T20 \(result.broadband.t20 ?? 0)")
        #expect(abs(result.noiseFloor - 20 * log10(noiseLevel)) < 0.5, "noise floor \(result.noiseFloor)")
        // The 8 kHz band does not exist at 16 kHz, and says so.
        #expect(result.bands.last?.parameters.t30 == nil && result.bands.last?.parameters.note?.contains("sample rate") == true)
        let json = String(decoding: try JSONEncoder().encode(result), as: UTF8.self)
        #expect(json.contains("\"t30\":null") && json.contains("\"center_hz\":8000"))
    }

    @Test func badResponsesAreErrorsNamingTheFile() {
        #expect(throws: SFConvError("the impulse response is silent (all samples are zero)", path: "ir.wav")) {
            try RoomAcoustics.analyze(AudioBuffer(channels: [[Sample](repeating: 0, count: 4800)], sampleRate: 48000), bands: .octave, path: "ir.wav")
        }
        #expect(throws: SFConvError.self) { try RoomAcoustics.analyze(channel: [1, .nan] + [Double](repeating: 0, count: 5000), rate: 48000, bands: []) }
        #expect(throws: SFConvError.self) { try RoomAcoustics.analyze(channel: [], rate: 48000, bands: []) }
    }
}
