import Foundation
@testable import SFConv
import SFConvTestSupport
import Testing

/// The loudspeaker's distortion 0.1·x² of `sweep` as an anti-aliased recording of it has it: x²
/// holds the 2nd harmonic (2f), which a sampled x² would alias back below Nyquist once f > rate/4.
/// So the sweep is rendered at twice the rate, squared there (2f stays below that Nyquist), cut
/// at the original Nyquist by a brick-wall FFT filter, and decimated.
func antiAliasedSquare(_ sweep: ExponentialSweep) throws -> [Double] {
    var doubled = sweep
    doubled.sampleRate *= 2
    let x = doubled.samples()
    var size = 16
    while size < x.count { size *= 2 }
    let fft = try RealFFT<Double>.shared(size: size, planning: .estimate)
    let time = AlignedBuffer<Double>(count: size), spectrum = AlignedBuffer<Double>(count: size + 2)
    for i in x.indices { time.pointer[i] = Sample(0.1 * x[i] * x[i]) }
    fft.forward(time.pointer, spectrum: spectrum.pointer)
    for k in 0..<(size / 2 + 1) {
        let keep: Sample = k < size / 4 ? 1 / Sample(size) : 0
        spectrum.pointer[2 * k] *= keep
        spectrum.pointer[2 * k + 1] *= keep
    }
    fft.inverse(spectrum.pointer, output: time.pointer)
    return (0..<sweep.samples().count).map { Double(time.pointer[2 * $0]) }
}

/// A simulated measurement: the sweep through x + 0.1·x² (or not) and the room `h`, white noise
/// `pnr` dB below the linear recording's peak (the same noise with and without the distortion).
struct SimulatedMeasurement {
    var sweep: ExponentialSweep
    var h: [Double]
    var linear: [Double]
    var distorted: [Double]

    init(sweep: ExponentialSweep, h: [Double], pnr: Double, seed: UInt64) throws {
        self.sweep = sweep
        self.h = h
        let x = sweep.samples()
        let clean = Array(try fftConvolution(x, h).prefix(x.count))
        let bent = Array(try fftConvolution(zip(x, try antiAliasedSquare(sweep)).map { $0 + $1 }, h).prefix(x.count))
        let level = clean.map(abs).max()! * pow(10, -pnr / 20)
        let noise = gaussian(x.count, seed: seed)
        linear = zip(clean, noise).map { $0 + level * $1 }
        distorted = zip(bent, noise).map { $0 + level * $1 }
    }

    func measure(_ recording: [Double], length: IRLength) throws -> ImpulseMeasurement {
        try ImpulseMeasurement.measure(recording: AudioBuffer(channels: [recording.map { Sample($0) }], sampleRate: sweep.sampleRate),
                                       sweep: AudioBuffer(channels: [sweep.samples().map { Sample($0) }], sampleRate: sweep.sampleRate),
                                       length: length, harmonicCount: 2)
    }
}

/// The measured IR from its direct sound on, at the level of the original (the normalisation undone).
func unnormalised(_ m: ImpulseMeasurement, channel: Int = 0) -> [Double] {
    let lead = Int((ImpulseMeasurement.lead * Double(m.impulseResponse.sampleRate)).rounded())
    let gain = pow(10, m.gain / 20)
    return m.impulseResponse.channels[channel].dropFirst(lead).map { Double($0) / gain }
}

func decibels(_ ratio: Double) -> Double { 10 * log10(ratio) }

@Suite struct MeasurementSimulationTests {
    /// Sweep lengths long enough that the 2nd harmonic's response (L·ln 2 ahead) has decayed
    /// by ~20 dB when the linear one begins: what a measurement of such a room needs.
    static let sweepSeconds: [Double: Double] = [0.3: 2, 0.8: 3, 2.0: 6]
    static let knownDRR: [Double: Double] = [0.3: 3, 0.8: 0, 2.0: -4]

    @Test(arguments: [0.3, 0.8, 2.0], [60.0, 40.0])
    func recoversAKnownExponentialDecay(rt60: Double, pnr: Double) throws {
        let rate = 16000
        let sweep = ExponentialSweep(start: 20, end: 8000, duration: Self.sweepSeconds[rt60]!, sampleRate: rate, silence: 1.5 * rt60 + 0.5)
        let drr = Self.knownDRR[rt60]!
        let h = knownIR(rt60: rt60, drr: drr, rate: rate, seed: UInt64(rt60 * 10))
        let simulation = try SimulatedMeasurement(sweep: sweep, h: h, pnr: pnr, seed: 99)
        let length = IRLength.seconds(Double(h.count) / Double(rate) + ImpulseMeasurement.lead)

        // The linear IR, against h band-limited as the sweep band-limits it, over the first 90 % (before the fade).
        let distorted = try simulation.measure(simulation.distorted, length: length)
        #expect(abs(distorted.startInRecording + ImpulseMeasurement.lead) < 1e-9)
        let deconvolver = try SweepDeconvolver(sweep: sweep.samples(), sampleRate: rate)
        let reference = try deconvolver.bandLimited(h)
        let compared = h.count * 9 / 10
        let recovered = unnormalised(distorted)
        let error = decibels(energy(zip(recovered.prefix(compared), reference.prefix(compared)).map { $0 - $1 }) / energy(reference.prefix(compared)))
        print(String(format: "measure RT60 %.1f s, PNR %.0f dB: recovered-IR error %.1f dB", rt60, pnr, error))
        if pnr >= 60 { #expect(error <= -40, "error \(error) dB") } else { #expect(error <= -20, "error \(error) dB") }

        // The 2nd harmonic stays out of the linear IR: the distorted and the clean measurement differ by ≤ −50 dB.
        let clean = try simulation.measure(simulation.linear, length: length)
        let leak = decibels(energy(zip(unnormalised(distorted), unnormalised(clean)).map { $0 - $1 }) / energy(unnormalised(clean)))
        // …and is found in its own window, L·ln 2 ahead (what distortion adds there).
        let gain = pow(10, distorted.gain / 20), cleanGain = pow(10, clean.gain / 20)
        let added = zip(distorted.harmonics[0].channels[0], clean.harmonics[0].channels[0]).map { Double($0) / gain - Double($1) / cleanGain }
        let second = decibels(energy(added) / energy(unnormalised(clean)))
        print(String(format: "  2nd harmonic: in the linear IR %.1f dB, in its own window %.1f dB re the IR", leak, second))
        #expect(leak <= -50, "2nd harmonic in the linear IR: \(leak) dB")
        #expect(second > -40 && second < -20, "2nd harmonic in its window: \(second) dB")

        // analyze on the IR as `deconvolve` writes it (auto length): T30 and DRR.
        let auto = try simulation.measure(simulation.distorted, length: .auto)
        let ir = auto.impulseResponse.channels[0].map { Double($0) }
        let result = try RoomAcoustics.analyze(channel: ir, rate: rate, bands: OctaveBand.octaves)
        let drrMeasured = try #require(result.broadband.drr)
        let range = result.broadband.decayRange
        // T30 where the decay range allows it (45 dB); else null, a note saying so, and T20 (35 dB).
        let time: Double
        if range >= 45 {
            time = try #require(result.broadband.t30)
        } else {
            #expect(result.broadband.t30 == nil && result.broadband.note?.contains("T30 needs 45 dB") == true)
            #expect(range >= 35)
            time = try #require(result.broadband.t20)
        }
        print(String(format: "  %@ %.4f s (%+.2f %%), DRR %.2f dB (%+.2f dB), decay range %.1f dB, auto length %.3f s", range >= 45 ? "T30" : "T20",
                     time, (time / rt60 - 1) * 100, drrMeasured, drrMeasured - drr, range, Double(ir.count) / Double(rate)))
        #expect(abs(time / rt60 - 1) <= 0.05)
        #expect(abs(drrMeasured - drr) <= 0.5)
        #expect(abs((auto.channels[0].rt60 ?? 0) / rt60 - 1) <= 0.05)
        // Every band against the same IR measured perfectly (band-limited as the sweep does it, with the same lead):
        // what the measurement itself changes, free of the noise tail's statistics.
        let lead = [Double](repeating: 0, count: Int(ImpulseMeasurement.lead * Double(rate)))
        let perfect = try RoomAcoustics.analyze(channel: try deconvolver.bandLimited(lead + h), rate: rate, bands: OctaveBand.octaves)
        // (T30 where the decay range allows it, else T20.)
        var fidelityLine = "  octave T30 (or T20) against the perfect measurement:"
        for (band, reference) in zip(result.bands, perfect.bands) {
            let pair = band.parameters.t30 != nil ? (band.parameters.t30, reference.parameters.t30) : (band.parameters.t20, reference.parameters.t20)
            guard let t = pair.0, let want = pair.1 else { continue }
            fidelityLine += String(format: " %d: %+.1f%%", Int(band.centre), (t / want - 1) * 100)
            #expect(abs(t / want - 1) <= 0.05, "\(band.centre) Hz: \(t) vs \(want) measured perfectly")
        }
        print(fidelityLine)
        var bandLine = "  octave T30:"
        for band in result.bands {
            guard let filter = OctaveBand.octaves.first(where: { $0.nominalCentre == band.centre }) else { continue }
            guard let t = band.parameters.t30 else {
                // Missing only where the band cannot be measured, and then it says why.
                #expect(band.parameters.note != nil)
                #expect(band.centre == 8000 || band.parameters.decayRange < 45, "\(band.centre) Hz: \(band.parameters.note ?? "")")
                bandLine += " \(Int(band.centre)): -"
                continue
            }
            bandLine += String(format: " %d: %+.1f%%", Int(band.centre), (t / rt60 - 1) * 100)
            // ISO 3382-2: the spread of a decay time from one noise decay falls as 1/√(B·T); where
            // B·T ≥ 100 it is a few per cent, and 10 % is the test's limit. (Over 12 seeds, the
            // 125 Hz T30 of a 0.3 s decay, B·T = 26, spreads by 13 %; at 0.8 s, B·T = 71, by 5 %.)
            if (filter.upper - filter.lower) * rt60 >= 100 {
                #expect(abs(t / rt60 - 1) <= 0.10, "\(band.centre) Hz: T30 \(t) vs \(rt60)")
            }
        }
        print(bandLine)
    }

    @Test(arguments: ["hall.flac", "small-room.flac", "plate.flac", "hall-true-stereo.flac"])
    func recoversTheShippedImpulses(name: String) throws {
        let path = ShippedFilesTests.repository.appendingPathComponent("impulses/\(name)").path
        let file = try readAudio(path)
        let rate = file.sampleRate
        let h = file.channels[0].map { Double($0) }
        let sweep = ExponentialSweep(start: 20, end: 20000, duration: 4, sampleRate: rate, silence: Double(h.count) / Double(rate) + 0.3)
        let simulation = try SimulatedMeasurement(sweep: sweep, h: h, pnr: 60, seed: 5)
        let measured = try simulation.measure(simulation.distorted, length: .auto)
        // The known values: the shipped IR as a perfect measurement with this sweep sees it (20 Hz–20 kHz;
        // above 20 kHz these IRs hold mostly direct sound, so the full-band DRR is ~0.5 dB higher).
        let deconvolver = try SweepDeconvolver(sweep: sweep.samples(), sampleRate: rate)
        // (With the same 5 ms lead as the measured IR, which holds the band limit's ringing before the direct sound.)
        let lead = [Double](repeating: 0, count: Int(ImpulseMeasurement.lead * Double(rate)))
        let known = try RoomAcoustics.analyze(channel: try deconvolver.bandLimited(lead + h), rate: rate, bands: OctaveBand.octaves)
        let fullBand = try RoomAcoustics.analyze(channel: h, rate: rate, bands: [])
        let result = try RoomAcoustics.analyze(channel: measured.impulseResponse.channels[0].map { Double($0) }, rate: rate, bands: OctaveBand.octaves)
        let range = result.broadband.decayRange
        let (time, knownTime) = range >= 45 ? (result.broadband.t30, known.broadband.t30) : (result.broadband.t20, known.broadband.t20)
        let t = try #require(time), want = try #require(knownTime)
        if range < 45 { #expect(result.broadband.t30 == nil && result.broadband.note != nil) }
        let drr = try #require(result.broadband.drr), knownDRR = try #require(known.broadband.drr)
        print(String(format: "%@: %@ %.3f vs %.3f s (%+.2f %%), DRR %.2f vs %.2f dB (full band %.2f), decay range %.1f dB", name, range >= 45 ? "T30" : "T20",
                     t, want, (t / want - 1) * 100, drr, knownDRR, fullBand.broadband.drr ?? .nan, range))
        #expect(abs(t / want - 1) <= 0.05)
        #expect(abs(drr - knownDRR) <= 0.5)
        var line = "  octave T30:"
        for (band, reference) in zip(result.bands, known.bands) {
            let want = try #require(reference.parameters.t30)
            guard let t = band.parameters.t30 else {
                #expect(band.parameters.decayRange < 45 && band.parameters.note != nil)
                line += " \(Int(band.centre)): -"
                continue
            }
            line += String(format: " %d: %+.1f%%", Int(band.centre), (t / want - 1) * 100)
            #expect(abs(t / want - 1) <= 0.10, "\(name) \(band.centre) Hz: T30 \(t) vs \(want)")
        }
        print(line)
    }
}

/// `analyze` against an independent implementation (numpy + scipy, Fixtures/make_room_acoustics_golden.py),
/// and against the PyPI package `acoustics` (its `room.t60_impulse`).
@Suite struct RoomAcousticsGoldenTests {
    struct Golden: Decodable {
        struct Case: Decodable {
            var file: String
            var channel: Int
            var noise_db: Double?
            var noise_seed: UInt64?
            var result: Result
        }
        struct Result: Decodable {
            var broadband: [String: Double?]
            var bands: [[String: Double?]]
        }
        struct ThirdParty: Decodable {
            struct Case: Decodable {
                var file: String
                var channel: Int
                var center_hz: [Double]
                var t30: [Double]
                var t20: [Double]
                var edt: [Double]
            }
            var version: String
            var cases: [Case]
        }
        var cases: [Case]
        var acoustics_package: ThirdParty
    }

    static let golden: Golden = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/room_acoustics.json")
        return try! JSONDecoder().decode(Golden.self, from: Data(contentsOf: url))
    }()

    /// Compares one set of figures; returns the largest relative decay-time difference.
    func compare(_ p: DecayParameters, _ g: [String: Double?], _ label: String) -> Double {
        var worst = 0.0
        let times: [(String, Double?)] = [("t20", p.t20), ("t30", p.t30), ("edt", p.edt)]
        for (key, value) in times {
            let want = g[key] ?? nil
            #expect((value == nil) == (want == nil), "\(label) \(key): \(String(describing: value)) vs \(String(describing: want))")
            if let value, let want {
                worst = max(worst, abs(value / want - 1))
                #expect(abs(value / want - 1) < 0.01, "\(label) \(key): \(value) vs \(want)")
            }
        }
        let levels: [(String, Double?, Double)] = [("c50", p.c50, 0.05), ("c80", p.c80, 0.05), ("drr", p.drr, 0.05),
                                                   ("d50", p.d50, 0.002), ("ts", p.ts, 0.0005), ("decay_range_db", p.decayRange, 0.5)]
        for (key, value, tolerance) in levels {
            guard let value, let want = g[key] ?? nil else {
                Issue.record("\(label) \(key) missing")
                continue
            }
            #expect(abs(value - want) <= tolerance, "\(label) \(key): \(value) vs \(want)")
        }
        return worst
    }

    @Test func agreesWithTheIndependentImplementation() throws {
        #expect(Self.golden.cases.count == 5)
        for golden in Self.golden.cases {
            let url = ShippedFilesTests.repository.appendingPathComponent(golden.file)
            var samples = try readAudio(url.path).channels[golden.channel - 1]
            if let level = golden.noise_db, let seed = golden.noise_seed {
                var generator = SeededGenerator(seed: seed)
                let amplitude = Double(samples.map(abs).max()!) * pow(10, level / 20)
                for i in samples.indices {
                    let u = 2 * Double(generator.next() >> 11) / Double(1 << 53) - 1
                    samples[i] += Sample(u * amplitude)
                }
            }
            let result = try RoomAcoustics.analyze(channel: samples.map { Double($0) }, rate: 48000, bands: OctaveBand.octaves)
            let label = golden.file + (golden.noise_db.map { " + noise \($0) dB" } ?? "")
            var worst = compare(result.broadband, golden.result.broadband, label + " broadband")
            #expect(result.bands.count == golden.result.bands.count)
            for (band, want) in zip(result.bands, golden.result.bands) {
                #expect(band.centre == (want["center_hz"] ?? nil))
                worst = max(worst, compare(band.parameters, want, label + " \(band.centre) Hz"))
            }
            print(String(format: "golden %@: largest decay-time difference %.3f %%", label, worst * 100))
        }
    }

    /// The `acoustics` package filters with 8th-order Butterworth bands (base-two edges) and does
    /// not compensate for noise: on the noise-free shipped impulses its T30 and T20 agree within
    /// 2 %; EDT, the most sensitive to the filters' own ringing, within 5 %.
    @Test func agreesWithTheAcousticsPackage() throws {
        let reference = Self.golden.acoustics_package
        #expect(reference.cases.count == 4)
        for golden in reference.cases {
            let url = ShippedFilesTests.repository.appendingPathComponent(golden.file)
            let samples = try readAudio(url.path).channels[golden.channel - 1]
            let result = try RoomAcoustics.analyze(channel: samples.map { Double($0) }, rate: 48000, bands: OctaveBand.octaves)
            #expect(result.bands.map(\.centre) == golden.center_hz)
            var worst = (t30: 0.0, t20: 0.0, edt: 0.0)
            for (index, band) in result.bands.enumerated() {
                let p = band.parameters
                let t30 = try #require(p.t30), t20 = try #require(p.t20), edt = try #require(p.edt)
                let d30 = abs(t30 / golden.t30[index] - 1), d20 = abs(t20 / golden.t20[index] - 1), dEDT = abs(edt / golden.edt[index] - 1)
                worst = (max(worst.t30, d30), max(worst.t20, d20), max(worst.edt, dEDT))
                #expect(d30 < 0.02 && d20 < 0.02, "\(golden.file) \(band.centre) Hz: T30 \(t30) vs \(golden.t30[index]), T20 \(t20) vs \(golden.t20[index])")
                #expect(dEDT < 0.05, "\(golden.file) \(band.centre) Hz: EDT \(edt) vs \(golden.edt[index])")
            }
            print(String(format: "acoustics %@ %@: largest difference T30 %.2f %%, T20 %.2f %%, EDT %.2f %%", reference.version, golden.file,
                         worst.t30 * 100, worst.t20 * 100, worst.edt * 100))
        }
    }
}
