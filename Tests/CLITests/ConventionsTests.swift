import Foundation
import SFConv
import SFConvTestSupport
import Testing

/// What users of a mature tool expect: JSON reports, quiet defaults, exit codes, loudness passes.
@Suite struct ConventionsTests {
    let folder: TemporaryFolder
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func shipped(_ name: String) -> String { root.appendingPathComponent(name).path }

    init() throws { folder = try TemporaryFolder() }

    @Test func generateImpulseIsAUnitImpulseByDefault() throws {
        #expect(try sfconv("generate", "impulse", folder.file("d.wav"), "--duration", "0.01").status == 0)
        let d = try readAudio(folder.file("d.wav")).channels[0]
        #expect(d[0] == 1 && d.dropFirst().allSatisfy { $0 == 0 })
    }

    @Test func filterJSONReportsTheRender() throws {
        let result = try sfconv("filter", Self.shipped("examples/voice.wav"), folder.file("f.wav"), "lowpass", "--cutoff", "3000", "--json")
        #expect(result.status == 0, "\(result.standardError)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        let info = try FileInfo.read(path: folder.file("f.wav"))
        #expect(object["frames"] as? Int == info.frames && object["sampleRate"] as? Int == info.sampleRate)
        #expect(abs((object["peakDBFS"] as? Double ?? 0) - (info.peakDBFS ?? 1)) < 0.01)
        #expect(object["clippedSamples"] as? Int == 0 && object["loudness"] is NSNull)
        // voice.wav is 16-bit, and so is f.wav: single precision under `auto`.
        #expect(object["precision"] as? String == "single")
        // The summary of the design went to standard error, not into the JSON.
        #expect(result.standardError.contains("note: lowpass 3000 Hz"))
    }

    /// The reverb's worst-case headroom note only with --verbose, or after a clip it explains.
    @Test func reverbDetailsOnlyWhenAskedOrWhenTheyExplainAClip() throws {
        let args = [Self.shipped("examples/voice.wav"), Self.shipped("impulses/small-room.flac")]
        let plain = try sfconv(["reverb"] + args + [folder.file("a.wav")])
        #expect(plain.status == 0 && !plain.standardError.contains("worst-case peak gain"), "\(plain.standardError)")
        let verbose = try sfconv(["reverb"] + args + [folder.file("b.wav"), "--verbose"])
        #expect(verbose.standardError.contains("worst-case peak gain"))
        let clipping = try sfconv(["reverb"] + args + [folder.file("c.wav"), "--wet", "0dB", "--subtype", "pcm16"])
        let lines = clipping.errorLines
        let warning = try #require(lines.firstIndex { $0.hasPrefix("warning:") && $0.contains("clipped") }, "\(lines)")
        #expect(lines[(warning + 1)...].contains { $0.contains("worst-case peak gain") }, "\(lines)")
    }

    @Test func usageErrorsExit64() throws {
        let result = try sfconv("filter", Self.shipped("examples/voice.wav"), folder.file("x.wav"), "lowpass", "--cutoff", "3000", "--true-peak", "-1")
        #expect(result.status == 64 && result.standardError.contains("--true-peak goes with --normalize-loudness"))
        #expect(!FileManager.default.fileExists(atPath: folder.file("x.wav")))
        #expect(try sfconv("reverb", "--no-such-option").status == 64)
        #expect(try sfconv("filter", folder.file("missing.wav"), folder.file("y.wav"), "lowpass", "--cutoff", "100").status == 1)
    }

    /// Loudness normalisation lands on the target (or the true-peak ceiling), as measured afresh.
    @Test func normalizeLoudnessMeetsTheTargetOrTheCeiling() throws {
        let result = try sfconv("apply", Self.shipped("examples/voice.wav"), folder.file("l.wav"), "--chain", "gain:db=-10",
                                "--normalize-loudness", "-23", "--json")
        #expect(result.status == 0, "\(result.standardError)")
        let measured = try Loudness.measure(path: folder.file("l.wav"))
        #expect(abs(measured.integrated + 23) <= 0.1, "\(measured.description)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        let loudness = try #require(object["loudness"] as? [String: Any])
        #expect(abs((loudness["integratedLUFS"] as? Double ?? 0) - measured.integrated) <= 0.05)

        let podcast = try sfconv("apply", Self.shipped("examples/voice.wav"), folder.file("p.wav"), "--preset", "podcast")
        #expect(podcast.status == 0, "\(podcast.standardError)")
        let p = try Loudness.measure(path: folder.file("p.wav"))
        // -16 LUFS unless the -1 dBTP ceiling stops it first.
        #expect(p.truePeak <= -0.9 && p.integrated <= -15.9 && (abs(p.integrated + 16) <= 0.1 || abs(p.truePeak + 1) <= 0.1), "\(p.description)")
    }

    @Test func infoMeasuresLoudness() throws {
        let result = try sfconv("info", "--loudness", "--json", Self.shipped("examples/voice.wav"))
        #expect(result.status == 0)
        let array = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [[String: Any]])
        let loudness = try #require(array.first?["loudness"] as? [String: Any])
        #expect(abs((loudness["integratedLUFS"] as? Double ?? 0) + 21.9) <= 0.1)
    }
}

/// `sfconv diff`, the null test.
@Suite struct DiffCommandTests {
    let folder: TemporaryFolder
    init() throws { folder = try TemporaryFolder() }

    /// Dither is on by default for 16-bit output, yet an identity chain changes nothing.
    @Test(arguments: ["wav", "flac"])
    func identityChainWithDitherChangesNothing(container: String) throws {
        let samples: [Sample] = (0..<9600).map { Sample(sin(Double($0) * 0.031) * 0.7) }
        let input = folder.file("in16.\(container)"), output = folder.file("out16.\(container)")
        try writeAudio([samples, samples.reversed()], to: input, subtype: .pcm16)
        let result = try sfconv("apply", input, output, "--chain", "gain:db=0")
        #expect(result.status == 0, "\(result.standardError)")
        #expect(try NullTest.compare(input, output).bitIdentical)
        // A real gain is dithered: not on the grid any more.
        #expect(try sfconv("apply", input, folder.file("g.\(container)"), "--chain", "gain:db=-0.5").status == 0)
        #expect(try NullTest.compare(input, folder.file("g.\(container)")).differingSamples > 9000)
    }

    @Test func identicalDifferentAndIncomparableFiles() throws {
        let samples: [Sample] = (0..<4800).map { Sample(sin(Double($0) * 0.05) * 0.5) }
        try writeAudio([samples], to: folder.file("a.wav"), subtype: .pcm24)
        try writeAudio([samples], to: folder.file("same.wav"), subtype: .pcm24)
        var changed = samples
        changed[100] += Sample(3 * pow(2.0, -23))   // 3 LSB at 24 bits
        try writeAudio([changed], to: folder.file("b.wav"), subtype: .pcm24)

        let same = try sfconv("diff", folder.file("a.wav"), folder.file("same.wav"), "--json")
        #expect(same.status == 0)
        let s = try #require(try JSONSerialization.jsonObject(with: Data(same.standardOutput.utf8)) as? [String: Any])
        #expect(s["bitIdentical"] as? Bool == true && s["differingSamples"] as? Int == 0)

        let different = try sfconv("diff", folder.file("a.wav"), folder.file("b.wav"), "--json")
        let d = try #require(try JSONSerialization.jsonObject(with: Data(different.standardOutput.utf8)) as? [String: Any])
        #expect(d["bitIdentical"] as? Bool == false && d["differingSamples"] as? Int == 1 && d["firstDifferenceFrame"] as? Int == 100)
        #expect(abs((d["maxDifferenceLSB"] as? Double ?? 0) - 3) < 1e-9 && d["lsbBits"] as? Int == 24)

        try writeAudio([samples, samples], to: folder.file("stereo.wav"), subtype: .pcm24)
        let refused = try sfconv("diff", folder.file("a.wav"), folder.file("stereo.wav"))
        #expect(refused.status == 1 && refused.standardError.contains("cannot compare 1 channel(s) with 2"))
    }
}
