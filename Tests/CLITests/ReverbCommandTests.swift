import Foundation
import SFConv
import SFConvTestSupport
import Testing

/// `sfconv reverb` on temporary files.
@Suite struct ReverbCommandTests {
    let folder: TemporaryFolder

    init() throws { folder = try TemporaryFolder() }

    /// Noise decaying by `decayDB` over its length.
    func decayingNoise(_ frames: Int, seed: UInt64, decayDB: Double = 60) -> [Sample] {
        var generator = SeededGenerator(seed: seed)
        let rate = decayDB / 20 * log(10) / Double(frames)
        return (0..<frames).map { i in Sample.random(in: -1...1, using: &generator) * Sample(exp(-rate * Double(i))) }
    }

    func rms(_ x: [Sample]) -> Double {
        (x.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(x.count)).squareRoot()
    }

    @Test(arguments: [(0.7, 0.4, 12.5), (1.0, 0.0, 0.0), (0.0, 2.0, 3.0)])
    func mixAndPredelayFollowTheEquationExactly(dry: Double, wet: Double, predelay: Double) throws {
        var generator = SeededGenerator(seed: 1)
        let x = randomSignal(5000, using: &generator)
        let h = decayingNoise(2000, seed: 2)
        try writeAudio([x], to: folder.file("in.wav"))
        try writeAudio([h], to: folder.file("ir.wav"))
        let result = try sfconv("reverb", folder.file("in.wav"), folder.file("ir.wav"), folder.file("out.wav"),
                                "--no-normalize-ir", "--wet", "\(wet)", "--dry", "\(dry)", "--predelay", "\(predelay)")
        #expect(result.status == 0, "\(result.standardError)")
        let y = try readAudio(folder.file("out.wav")).channels[0]
        let delay = Int((predelay * 48000 / 1000).rounded())
        var expected = [Double](repeating: 0, count: x.count + delay + h.count - 1)
        for (i, v) in directConvolution(x, h).enumerated() { expected[i + delay] += wet * v }
        for (i, v) in x.enumerated() { expected[i] += dry * Double(v) }
        let (error, peak) = maximumError(y, expected)
        #expect(error <= 1e-5 * peak, "error \(error), peak \(peak)")
    }

    @Test func decibelGainsAreAccepted() throws {
        try writeAudio([[1, 0, 0, 0]], to: folder.file("in.wav"))
        try writeAudio([[0, 1]], to: folder.file("ir.wav"))
        let result = try sfconv("reverb", folder.file("in.wav"), folder.file("ir.wav"), folder.file("out.wav"),
                                "--no-normalize-ir", "--wet", "-6dB", "--dry", "-20dB")
        #expect(result.status == 0, "\(result.standardError)")
        let y = try readAudio(folder.file("out.wav")).channels[0]
        #expect(abs(y[0] - 0.1) < 1e-6 && abs(Double(y[1]) - pow(10, -6.0 / 20)) < 1e-6)
    }

    /// Energy normalisation makes one IR equally loud at 44.1 and 96 kHz.
    @Test func energyNormalisationDoesNotDependOnTheSampleRate() throws {
        let ir96 = AudioBuffer(channels: [decayingNoise(96000, seed: 3)], sampleRate: 96000)
        let ir44 = try Resampler.resampled(ir96, to: 44100)
        try writeAudio(ir96.channels, rate: 96000, to: folder.file("ir96.wav"))
        try writeAudio(ir44.channels, rate: 44100, to: folder.file("ir44.wav"))
        var levels: [Double] = []
        for (rate, ir) in [(96000, "ir96.wav"), (44100, "ir44.wav")] {
            var generator = SeededGenerator(seed: 4)
            try writeAudio([randomSignal(rate * 3, using: &generator).map { $0 * 0.1 }], rate: rate, to: folder.file("in\(rate).wav"))
            let out = folder.file("out\(rate).wav")
            #expect(try sfconv("reverb", folder.file("in\(rate).wav"), folder.file(ir), out, "--dry", "0", "--wet", "1").status == 0)
            let y = try readAudio(out).channels[0]
            levels.append(20 * log10(rms(Array(y[rate..<(2 * rate)]))))
        }
        #expect(abs(levels[0] - levels[1]) < 0.25, "\(levels)")
        // Unit energy: white noise at -4.77 dBFS RMS (uniform ±0.1) comes out at the same level.
        #expect(abs(levels[0] - 20 * log10(0.1 / 3.0.squareRoot())) < 0.5, "\(levels)")
    }

    @Test func fullTailKeepsEveryFrameAndAutoTailStopsUnderTheThreshold() throws {
        let x = [Sample](repeating: 0.5, count: 4800)
        let h = decayingNoise(48000, seed: 5, decayDB: 160)
        try writeAudio([x], to: folder.file("in.wav"))
        try writeAudio([h], to: folder.file("ir.wav"))
        #expect(try sfconv("reverb", folder.file("in.wav"), folder.file("ir.wav"), folder.file("full.wav"), "--predelay", "10").status == 0)
        #expect(try readAudio(folder.file("full.wav")).frameCount == 4800 + 480 + 48000 - 1)
        #expect(try sfconv("reverb", folder.file("in.wav"), folder.file("ir.wav"), folder.file("auto.wav"), "--predelay", "10", "--tail", "auto").status == 0)
        let auto = try readAudio(folder.file("auto.wav")).channels[0]
        #expect(auto.count > 4800 && auto.count < 4800 + 480 + 48000 - 1)
        // The frames it dropped were all under -96 dBFS; the last 10 ms fade out.
        let full = try readAudio(folder.file("full.wav")).channels[0]
        #expect(full[(auto.count)...].allSatisfy { abs($0) < 1.6e-5 })
        #expect(abs(auto.last!) < 1.6e-5)
        #expect(full[..<(auto.count - 480)].elementsEqual(auto[..<(auto.count - 480)]))
    }

    @Test func trueStereoImpulseResponse() throws {
        var generator = SeededGenerator(seed: 6)
        let input = [randomSignal(3000, using: &generator), randomSignal(3000, using: &generator)]
        let ir = (0..<4).map { decayingNoise(500, seed: 10 + UInt64($0)) }
        try writeAudio(input, to: folder.file("in.wav"))
        try writeAudio(ir, to: folder.file("ir.wav"))
        let result = try sfconv("reverb", folder.file("in.wav"), folder.file("ir.wav"), folder.file("out.wav"),
                                "--no-normalize-ir", "--dry", "0.5", "--wet", "1")
        #expect(result.status == 0, "\(result.standardError)")
        let y = try readAudio(folder.file("out.wav"))
        #expect(y.channelCount == 2)
        let routing = try #require(ChannelRouting(inputChannels: 2, kernelChannels: 4))
        let wet = directConvolution(input: input, kernel: ir, routing: routing)
        for c in 0..<2 {
            var expected = wet[c]
            for i in input[c].indices { expected[i] += 0.5 * Double(input[c][i]) }
            let (error, peak) = maximumError(y.channels[c], expected)
            #expect(error <= 1e-5 * peak)
        }
    }

    @Test func monoInputThroughAStereoImpulseResponseGivesStereoWithDryInBoth() throws {
        try writeAudio([[1, 0, 0, 0, 0]], to: folder.file("in.wav"))
        try writeAudio([[0, 0, 0.5], [0, 0.25, 0]], to: folder.file("ir.wav"))
        #expect(try sfconv("reverb", folder.file("in.wav"), folder.file("ir.wav"), folder.file("out.wav"), "--no-normalize-ir", "--wet", "1").status == 0)
        let y = try readAudio(folder.file("out.wav"))
        #expect(y.channelCount == 2)
        #expect(maximumError(y.channels[0], [1, 0, 0.5, 0, 0, 0, 0]).error < 1e-6)
        #expect(maximumError(y.channels[1], [1, 0.25, 0, 0, 0, 0, 0]).error < 1e-6)
    }

    @Test func ditherOnlyOnShortIntegerOutput() throws {
        // A quiet constant: without dither every sample quantises alike; with dither they vary.
        try writeAudio([[Sample](repeating: 0.3 / 32767, count: 20000)], to: folder.file("in.wav"))
        try writeAudio([[1]], to: folder.file("ir.wav"))
        func render(_ name: String, _ extra: [String]) throws -> [Sample] {
            let result = try sfconv(["reverb", folder.file("in.wav"), folder.file("ir.wav"), folder.file(name),
                                     "--no-normalize-ir", "--wet", "0", "--dry", "1"] + extra)
            #expect(result.status == 0, "\(result.standardError)")
            return try readAudio(folder.file(name)).channels[0]
        }
        #expect(Set(try render("dithered.wav", ["--subtype", "pcm16"])).count > 1)
        #expect(Set(try render("plain.wav", ["--subtype", "pcm16", "--no-dither"])).count == 1)
        #expect(try render("float.wav", ["--subtype", "float"]) == render("float-plain.wav", ["--subtype", "float", "--no-dither"]))
        #expect(try render("pcm24.wav", ["--subtype", "pcm24"]) == render("pcm24-plain.wav", ["--subtype", "pcm24", "--no-dither"]))
    }

    @Test func noProgressOutputWhenStderrIsNotATerminal() throws {
        try writeAudio([[Sample](repeating: 0.1, count: 100_000)], to: folder.file("in.wav"))
        try writeAudio([decayingNoise(4800, seed: 7)], to: folder.file("ir.wav"))
        let result = try sfconv("reverb", folder.file("in.wav"), folder.file("ir.wav"), folder.file("out.wav"))
        #expect(result.status == 0)
        #expect(!result.standardError.contains("\r") && !result.standardError.contains("ETA"))
        #expect(result.errorLines.allSatisfy { $0.hasPrefix("note: ") }, "\(result.standardError)")
        let quiet = try sfconv("reverb", folder.file("in.wav"), folder.file("ir.wav"), folder.file("out2.wav"), "--quiet")
        #expect(quiet.standardError.isEmpty)
    }

    @Test func trimStartAutoRemovesLeadingSilenceAndSaysHowMuch() throws {
        var ir = [Sample](repeating: 0, count: 960)
        ir[480] = 1
        ir[600] = 0.5
        try writeAudio([ir], to: folder.file("ir.wav"))
        try writeAudio([[1, 0, 0]], to: folder.file("in.wav"))
        let result = try sfconv("reverb", folder.file("in.wav"), folder.file("ir.wav"), folder.file("out.wav"),
                                "--no-normalize-ir", "--dry", "0", "--wet", "1", "--ir-trim-start", "auto")
        #expect(result.status == 0)
        // Onset at 10 ms, kept 0.5 ms before it: 9.5 ms removed.
        #expect(result.standardError.contains("removed 9.50 ms of leading silence"), "\(result.standardError)")
        let y = try readAudio(folder.file("out.wav")).channels[0]
        #expect(y.count == 3 + 960 - 456 - 1)
        #expect(abs(y[24] - 1) < 1e-6 && abs(y[144] - 0.5) < 1e-6)
    }

    @Test func irLengthAndReverse() throws {
        let h = decayingNoise(4800, seed: 8)
        try writeAudio([h], to: folder.file("ir.wav"))
        try writeAudio([[1]], to: folder.file("in.wav"))
        #expect(try sfconv("reverb", folder.file("in.wav"), folder.file("ir.wav"), folder.file("cut.wav"),
                           "--no-normalize-ir", "--dry", "0", "--wet", "1", "--ir-length", "0.05").status == 0)
        let cut = try readAudio(folder.file("cut.wav")).channels[0]
        #expect(cut.count == 2400)
        #expect(maximumError(Array(cut[..<1900]), h[..<1900].map { Double($0) }).error < 1e-6)
        #expect(abs(cut.last!) < abs(h[2399]) * 0.01)
        #expect(try sfconv("reverb", folder.file("in.wav"), folder.file("ir.wav"), folder.file("rev.wav"),
                           "--no-normalize-ir", "--dry", "0", "--wet", "1", "--ir-reverse").status == 0)
        #expect(maximumError(try readAudio(folder.file("rev.wav")).channels[0], h.reversed().map { Double($0) }).error < 1e-6)
    }

    @Test func normalizeSetsTheOutputPeak() throws {
        var generator = SeededGenerator(seed: 9)
        try writeAudio([randomSignal(20000, using: &generator)], to: folder.file("in.wav"))
        try writeAudio([decayingNoise(2000, seed: 9)], to: folder.file("ir.wav"))
        let result = try sfconv("reverb", folder.file("in.wav"), folder.file("ir.wav"), folder.file("out.wav"), "--normalize", "-3")
        #expect(result.status == 0, "\(result.standardError)")
        let info = try FileInfo.read(path: folder.file("out.wav"))
        #expect(abs((info.peakDBFS ?? 0) + 3) < 0.01)
        #expect(try sfconv("reverb", folder.file("in.wav"), folder.file("ir.wav"), folder.file("out1.wav"), "--normalize").status == 0)
        #expect(abs((try FileInfo.read(path: folder.file("out1.wav")).peakDBFS ?? 0) + 1) < 0.01)
        #expect(!folder.contents().contains { $0.hasPrefix(".") }, "\(folder.contents())")
    }

    @Test func badReverbOptionsAreClearErrors() throws {
        try writeAudio([[1, 0]], to: folder.file("in.wav"))
        try writeAudio([[1]], to: folder.file("ir.wav"))
        let badWet = try sfconv("reverb", folder.file("in.wav"), folder.file("ir.wav"), folder.file("out.wav"), "--wet", "loud")
        #expect(badWet.status != 0 && badWet.errorLines.count == 1 && badWet.errorLines[0].hasPrefix("error: "))
        let badTail = try sfconv("reverb", folder.file("in.wav"), folder.file("ir.wav"), folder.file("out.wav"), "--tail", "some")
        #expect(badTail.status != 0 && badTail.errorLines[0].hasPrefix("error: "))
        let badPredelay = try sfconv("reverb", folder.file("in.wav"), folder.file("ir.wav"), folder.file("out.wav"), "--predelay", "-5")
        #expect(badPredelay.status != 0 && badPredelay.errorLines[0].hasPrefix("error: "))
        #expect(!folder.contents().contains("out.wav"))
    }
}
