import Foundation
import SFConv
import SFConvTestSupport
import Testing

/// The augmentation's signal steps against Double references, and its draws.
@Suite struct AugmentationTests {
    /// Exponentially decaying Gaussian noise with a known RT60, a unit direct sound at `onset`.
    static func decayingIR(rt60: Double, rate: Int, seconds: Double, onset: Int = 0, seed: UInt64) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        let count = Int(seconds * Double(rate))
        var h = [Float](repeating: 0, count: count)
        let decay = 3 * log(10) / rt60
        for i in onset..<count {
            let t = Double(i - onset) / Double(rate)
            // Box–Muller in Double.
            let u = max(Double.random(in: 0..<1, using: &generator), 1e-300), v = Double.random(in: 0..<1, using: &generator)
            h[i] = Float(0.1 * (-2 * log(u)).squareRoot() * cos(2 * .pi * v) * exp(-decay * t))
        }
        h[onset] = 1
        return h
    }

    @Test(arguments: [0.3, 0.8, 1.5])
    func t30OfAnExponentialDecayIsItsRT60(rt60: Double) {
        let h = Self.decayingIR(rt60: rt60, rate: 16000, seconds: 1.2 * rt60 + 0.1, seed: 5)
        let measured = AugmentationDSP.t30([h], rate: 16000)
        #expect(measured != nil)
        #expect(abs((measured ?? 0) / rt60 - 1) < 0.05, "T30 \(measured ?? 0) for RT60 \(rt60)")
        // Two channels of the same decay: the same T30. Silence has none.
        #expect(abs((AugmentationDSP.t30([h, h.map { $0 * 0.5 }], rate: 16000) ?? 0) / rt60 - 1) < 0.05)
        #expect(AugmentationDSP.t30([[Float](repeating: 0, count: 1000)], rate: 16000) == nil)
    }

    /// DRR as the issue defines it, in Double, independent of the code under test.
    static func referenceDRR(_ h: [Float], rate: Int) -> Double {
        let peak = h.indices.max { abs(h[$0]) < abs(h[$1]) }!
        let half = Int((0.0025 * Double(rate)).rounded())
        var direct = 0.0, reverberant = 0.0
        for (i, value) in h.enumerated() {
            let e = Double(value) * Double(value)
            if abs(i - peak) <= half { direct += e } else if i > peak + half { reverberant += e }
        }
        return 10 * log10(direct / reverberant)
    }

    @Test(arguments: [-6.0, 0.0, 3.5, 12.0])
    func drrRescalingHitsTheDrawnRatio(drr: Double) throws {
        let h = Self.decayingIR(rt60: 0.6, rate: 16000, seconds: 0.8, onset: 120, seed: 9)
        let scaled = try #require(AugmentationDSP.withDirectToReverberant(h, rate: 16000, drrDB: drr))
        #expect(abs(Self.referenceDRR(scaled, rate: 16000) - drr) < 0.01)
        #expect(abs(AugmentationDSP.directToReverberantDB(scaled, rate: 16000)! - drr) < 0.01)
        // The direct window and what precedes it are untouched.
        #expect(Array(scaled.prefix(120 + 41)) == Array(h.prefix(120 + 41)))
    }

    @Test func directPeakIsTheLargestSampleOverChannels() {
        var a = [Float](repeating: 0.01, count: 100), b = a
        a[30] = 0.5
        b[47] = -0.9
        #expect(AugmentationDSP.directPeak([a, b]) == 47)
    }

    /// The FFT convolution through each routing, from an offset, equals a direct Double convolution.
    @Test(arguments: [(1, 1, 700), (1, 2, 700), (2, 2, 700), (2, 4, 700), (2, 1, 700), (1, 1, 1), (2, 4, 20), (1, 2, 32)])
    func convolutionMatchesADirectDoubleReference(channels: (input: Int, kernel: Int, taps: Int)) throws {
        var generator = SeededGenerator(seed: UInt64(10 * channels.input + channels.kernel))
        let x = (0..<channels.input).map { _ in randomSignal(1500, using: &generator).map { Float($0 * 0.5) } }
        let h = (0..<channels.kernel).map { _ in randomSignal(channels.taps, using: &generator).map { Float($0 * 0.05) } }
        let routing = try #require(ChannelRouting(inputChannels: channels.input, kernelChannels: channels.kernel))
        let start = 37, frames = 1800
        let result = try AugmentationDSP.convolve(x, [h], routing: routing, start: start, frames: frames)[0]
        // Cached kernel spectra, the first call and later ones, give the same result.
        for _ in 0..<2 {
            let cached = try AugmentationDSP.convolve(x, [h], routing: routing, start: start, frames: frames, cacheKeys: ["test \(channels)"])[0]
            #expect(cached == result)
        }
        let reference = directConvolution(input: x.map { $0.map { Sample($0) } }, kernel: h.map { $0.map { Sample($0) } }, routing: routing)
        #expect(result.count == routing.outputChannelCount)
        for (channel, output) in result.enumerated() {
            let expected = (0..<frames).map { start + $0 < reference[channel].count ? reference[channel][start + $0] : 0 }
            let (error, _) = maximumError(output.map { Sample($0) }, expected)
            #expect(error < 1e-5, "channel \(channel): \(error)")
        }
    }

    @Test func noiseIsCutOrLoopedFromItsOffset() {
        let noise: [[Sample]] = [[1, 2, 3, 4, 5]]
        #expect(AugmentationDSP.noiseSegment(noise, offset: 1, count: 3) == [[2, 3, 4]])
        #expect(AugmentationDSP.noiseSegment(noise, offset: 3, count: 7) == [[4, 5, 1, 2, 3, 4, 5]])
    }

    @Test func drawsAreReproducibleAndEachNameIsItsOwnStream() {
        let a = AugmentationDraws(seed: 7, relativePath: "sub/x.wav")
        let again = AugmentationDraws(seed: 7, relativePath: "sub/x.wav")
        let names = ["ir", "ir_channel", "wet", "dry", "drr", "rt60", "noise", "noise_offset", "snr", "synthetic_ir"]
        #expect(names.map(a.bits) == names.map(again.bits))
        #expect(Set(names.map(a.bits)).count == names.count)
        #expect(AugmentationDraws(seed: 8, relativePath: "sub/x.wav").bits("snr") != a.bits("snr"))
        #expect(AugmentationDraws(seed: 7, relativePath: "sub/y.wav").bits("snr") != a.bits("snr"))
        // Uniform enough: 4000 paths fill the quarters of [0, 1) evenly.
        var quarters = [0, 0, 0, 0]
        for i in 0..<4000 { quarters[Int(AugmentationDraws(seed: 1, relativePath: "f\(i).wav").unit("snr") * 4)] += 1 }
        #expect(quarters.allSatisfy { abs($0 - 1000) < 120 }, "\(quarters)")
    }

    @Test func rangesAreParsedOrRefusedWithTheOptionNamed() throws {
        #expect(try ReverbAugmentation.parseNumberRange("5:20", option: "--snr-range", unit: "dB", limits: -60...120) == 5...20)
        #expect(try ReverbAugmentation.parseNumberRange("-5dB:20 dB", option: "--snr-range", unit: "dB", limits: -60...120) == -5...20)
        for bad in ["5:1", "abc", "5", "1:2:3", "nan:1", ":"] {
            #expect(throws: SFConvError.self) { try ReverbAugmentation.parseNumberRange(bad, option: "--snr-range", unit: "dB", limits: -60...120) }
        }
        do {
            _ = try ReverbAugmentation.parseNumberRange("5:1", option: "--drr-range", unit: "dB", limits: -60...60)
        } catch let error as SFConvError {
            #expect(error.message.hasPrefix("--drr-range:") && error.message.contains("LOW ≤ HIGH"))
        }
        #expect(try ReverbAugmentation.parseGainRange("-20dB:-6dB", option: "--dry-range").lowerBound == Gain(decibels: -20).linear)
    }
}
