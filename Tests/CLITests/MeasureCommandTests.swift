import Foundation
import SFConv
import SFConvTestSupport
import Testing

/// `sweep`, `deconvolve` and `analyze` as a user runs them: a measurement simulated with the
/// tool's own `reverb` (the sweep through a shipped impulse response), then the IR back, its
/// figures, and the IR used by `reverb`.
@Suite struct MeasureCommandTests {
    let folder: TemporaryFolder
    init() throws { folder = try TemporaryFolder() }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func impulse(_ name: String) -> String { repository.appendingPathComponent("impulses/\(name)").path }

    func json(_ text: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(text.utf8)) }

    @Test func measureTheSmallRoomEndToEnd() throws {
        let sweep = folder.file("sweep.wav"), inverse = folder.file("inverse.wav"), recording = folder.file("rec.wav"), ir = folder.file("ir.wav")
        var result = try sfconv("sweep", sweep, "--duration", "2", "--silence", "0.8", "--channels", "2", "--inverse", inverse)
        #expect(result.status == 0, "\(result.standardError)")
        let sweepInfo = try FileInfo.read(path: sweep), inverseInfo = try FileInfo.read(path: inverse)
        #expect(sweepInfo.channels == 2 && sweepInfo.frames == 2 * 48000 + 38400 && sweepInfo.sampleRate == 48000)
        #expect(inverseInfo.channels == 1 && inverseInfo.frames == 2 * 48000 && inverseInfo.encoding == "float")

        // The room: the stereo sweep through the stereo small room, as it is (no normalisation, no dry signal).
        result = try sfconv("reverb", sweep, Self.impulse("small-room.flac"), recording, "--no-normalize-ir", "--dry", "0", "--wet", "1", "--tail", "full", "-q")
        #expect(result.status == 0, "\(result.standardError)")
        // A microphone's noise: uniform, its RMS 70 dB below the recording's peak (amplitude √3 times the RMS).
        var recorded = try readAudio(recording)
        let peak = recorded.channels.map { $0.map(abs).max()! }.max()!
        let amplitude = Double(peak) * pow(10, -70.0 / 20) * 3.0.squareRoot()
        var generator = SeededGenerator(seed: 3)
        for c in recorded.channels.indices {
            for i in recorded.channels[c].indices {
                recorded.channels[c][i] += Sample(amplitude * (2 * Double(generator.next() >> 11) / Double(1 << 53) - 1))
            }
        }
        try writeAudio(recorded.channels, to: recording)
        result = try sfconv("deconvolve", recording, sweep, ir, "--keep-harmonics", folder.file("harmonics"), "--harmonics", "2", "--json")
        #expect(result.status == 0, "\(result.standardError)")
        let report = try #require(try json(result.standardOutput) as? [String: Any])
        let channels = try #require(report["channels"] as? [[String: Any]])
        #expect(channels.count == 2)
        for channel in channels {
            #expect((channel["peak_to_noise_db"] as? Double ?? 0) > 60)
            #expect(channel["noise_floor_db"] is Double && channel["rt60_s"] is Double)
        }
        #expect(FileManager.default.fileExists(atPath: folder.file("harmonics/harmonic-2.wav")))
        #expect(FileManager.default.fileExists(atPath: folder.file("harmonics/harmonic-3.wav")))

        // analyze: the measured IR against the shipped one, per channel (an array for stereo).
        result = try sfconv("analyze", ir, "--json")
        #expect(result.status == 0, "\(result.standardError)")
        let measured = try #require(try json(result.standardOutput) as? [[String: Any]])
        let original = try #require(try json(try sfconv("analyze", Self.impulse("small-room.flac"), "--json").standardOutput) as? [[String: Any]])
        #expect(measured.count == 2 && original.count == 2)
        for (m, o) in zip(measured, original) {
            let mb = try #require(m["broadband"] as? [String: Any]), ob = try #require(o["broadband"] as? [String: Any])
            let t30 = try #require(mb["t30"] as? Double), known = try #require(ob["t30"] as? Double)
            #expect(abs(t30 / known - 1) < 0.05, "T30 \(t30) vs \(known)")
            for key in ["t20", "edt", "c50", "c80", "d50", "ts", "drr", "t30_r2"] { #expect(mb[key] is Double, "\(key)") }
            let bands = try #require(m["bands"] as? [[String: Any]])
            #expect(bands.map { $0["center_hz"] as? Double } == [125, 250, 500, 1000, 2000, 4000, 8000])
            #expect(m["noise_floor_db"] is Double && m["length_to_noise_s"] is Double && m["channel"] is Int)
        }

        // The table, and the IR straight into reverb.
        result = try sfconv("analyze", ir)
        #expect(result.status == 0 && result.standardOutput.contains("broadband") && result.standardOutput.contains("T30"))
        try writeAudio([(0..<4800).map { Sample(sin(Double($0) * 0.05)) * 0.3 }], to: folder.file("dry.wav"))
        result = try sfconv("reverb", folder.file("dry.wav"), ir, folder.file("wet.wav"), "-q")
        #expect(result.status == 0, "\(result.standardError)")
    }

    @Test func textReportAndMonoJSON() throws {
        let sweep = folder.file("s.wav"), recording = folder.file("r.wav"), ir = folder.file("ir.flac")
        #expect(try sfconv("sweep", sweep, "--duration", "1", "--silence", "0.5", "--rate", "16000", "--end", "8000").status == 0)
        try writeAudio([[1, 0, 0.5, 0, 0.25]], rate: 16000, to: folder.file("k.wav"))
        #expect(try sfconv("reverb", sweep, folder.file("k.wav"), recording, "--no-normalize-ir", "--dry", "0", "--wet", "1", "-q").status == 0)
        let result = try sfconv("deconvolve", recording, sweep, ir, "--length", "0.2")
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError.contains("noise floor") && result.standardError.contains("peak-to-noise") && result.standardError.contains("RT60"))
        let info = try FileInfo.read(path: ir)
        #expect(info.frames == 3200 && info.channels == 1 && abs((info.peakDBFS ?? 0) + 1) < 0.05)
        let analysis = try sfconv("analyze", ir, "--json", "--bands", "third")
        let object = try #require(try json(analysis.standardOutput) as? [String: Any])
        #expect((object["bands"] as? [Any])?.count == 21)
    }

    @Test func helpHasExamples() throws {
        for command in ["sweep", "deconvolve", "analyze"] {
            let result = try sfconv(command, "--help")
            #expect(result.status == 0 && result.standardOutput.contains("Examples:") && result.standardOutput.contains("sfconv \(command)"))
        }
        let root = try sfconv("--help")
        for command in ["sweep", "deconvolve", "analyze"] { #expect(root.standardOutput.contains(command)) }
    }

    /// One `error:` line naming the file, exit 1, nothing written.
    func expectFailure(_ arguments: [String], mentions fragment: String, path: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let result = try sfconv(arguments)
        #expect(result.status == 1, "\(result.standardError)", sourceLocation: sourceLocation)
        #expect(result.errorLines.count == 1, "\(result.standardError)", sourceLocation: sourceLocation)
        let line = result.errorLines.first ?? ""
        #expect(line.hasPrefix("error: ") && line.contains(fragment) && line.contains(path), "\(line)", sourceLocation: sourceLocation)
        #expect(!FileManager.default.fileExists(atPath: folder.file("out.wav")), sourceLocation: sourceLocation)
        #expect(!folder.contents().contains { $0.hasPrefix(".") }, "temporary file left behind", sourceLocation: sourceLocation)
    }

    @Test func badInputsAreOneErrorLine() throws {
        let sweep = folder.file("s.wav"), out = folder.file("out.wav")
        #expect(try sfconv("sweep", sweep, "--duration", "1", "--silence", "0.5", "--rate", "16000", "--end", "8000").status == 0)
        try expectFailure(["deconvolve", folder.file("nope.wav"), sweep, out], mentions: "no such file", path: folder.file("nope.wav"))
        try expectFailure(["analyze", folder.file("nope.wav")], mentions: "no such file", path: folder.file("nope.wav"))
        try writeAudio([[Sample](repeating: 0.1, count: 8000)], rate: 16000, to: folder.file("short.wav"))
        try expectFailure(["deconvolve", folder.file("short.wav"), sweep, out], mentions: "shorter than the sweep", path: folder.file("short.wav"))
        try writeAudio([[Sample](repeating: 0.1, count: 96000)], rate: 48000, to: folder.file("r48.wav"))
        try expectFailure(["deconvolve", folder.file("r48.wav"), sweep, out], mentions: "48000 Hz but the sweep at 16000 Hz", path: folder.file("r48.wav"))
        try writeAudio([[Sample](repeating: 0, count: 24000)], rate: 16000, to: folder.file("silent.wav"))
        try expectFailure(["analyze", folder.file("silent.wav")], mentions: "silent", path: folder.file("silent.wav"))
        try expectFailure(["deconvolve", folder.file("silent.wav"), sweep, out], mentions: "silent", path: folder.file("silent.wav"))
        try expectFailure(["deconvolve", sweep, folder.file("silent.wav"), out], mentions: "silent", path: folder.file("silent.wav"))
        var nan = [Sample](repeating: 0.1, count: 24000)
        nan[500] = .nan
        try writeAudio([nan], rate: 16000, to: folder.file("nan.wav"))
        try expectFailure(["analyze", folder.file("nan.wav")], mentions: "NaN", path: folder.file("nan.wav"))
        try expectFailure(["deconvolve", folder.file("nan.wav"), sweep, out], mentions: "NaN", path: folder.file("nan.wav"))
        let empty = try SoundFileWriter(path: folder.file("empty.wav"), format: try OutputOptions().format(for: folder.file("empty.wav"), input: nil),
                                        channelCount: 1, sampleRate: 16000, overwrite: true)
        try empty.commit()
        try expectFailure(["analyze", folder.file("empty.wav")], mentions: "empty", path: folder.file("empty.wav"))
        try expectFailure(["sweep", out, "--inverse", folder.file("inv.flac")], mentions: "float", path: folder.file("inv.flac"))
    }

    /// The hostile corpus (Tests/Hostile/make_corpus.py) as IR, recording and sweep: exit 0 with a
    /// readable output, or `error:` lines and exit 1; never a signal or a stray file.
    @Test func hostileFiles() throws {
        #expect(try sfconv("generate", "sine", folder.file("seed.flac"), "--duration", "0.05", "--subtype", "pcm16").status == 0)
        #expect(try sfconv("sweep", folder.file("s.wav"), "--duration", "0.2", "--silence", "0.1", "--start", "100").status == 0)
        let corpus = folder.file("corpus")
        let script = Self.repository.appendingPathComponent("Tests/Hostile/make_corpus.py").path
        let made = try runProcess("/usr/bin/env", ["python3", script, corpus, folder.file("seed.flac")])
        try #require(made.status == 0, "\(made.standardError)")
        let names = try FileManager.default.contentsOfDirectory(atPath: corpus).sorted()
        #expect(names.count > 100)
        for name in names {
            let file = corpus + "/" + name
            for arguments in [["analyze", file, "--json"], ["deconvolve", file, "s.wav", "o.wav"], ["deconvolve", "s.wav", file, "o.wav"]] {
                let result = try runProcess(sfconvBinary, arguments, in: folder, timeout: 20)
                let what = "\(arguments[0]) … \(name)"
                #expect(result.status == 0 || result.status == 1, "\(what): status \(result.status) \(result.standardError)")
                let errors = result.errorLines.filter { !$0.hasPrefix("warning: ") && !$0.hasPrefix("note: ") && !$0.hasPrefix("wrote ") && !$0.hasPrefix("channel ") }
                if result.status == 1 {
                    #expect(!errors.isEmpty && errors.allSatisfy { $0.hasPrefix("error: ") }, "\(what): \(result.standardError)")
                } else if arguments[0] == "deconvolve" {
                    #expect(try sfconv("info", folder.file("o.wav")).status == 0, "\(what): the output does not read back")
                }
                try? FileManager.default.removeItem(atPath: folder.file("o.wav"))
                #expect(!folder.contents().contains { $0.hasPrefix(".") }, "\(what): stray temporary file")
            }
        }
    }

    @Test func existingOutputsAreKept() throws {
        let sweep = folder.file("s.wav")
        #expect(try sfconv("sweep", sweep, "--duration", "1", "--rate", "16000", "--end", "8000").status == 0)
        let again = try sfconv("sweep", sweep, "--duration", "2", "--rate", "16000", "--end", "8000")
        #expect(again.status == 1 && again.errorLines.first?.contains("--force") == true)
        #expect(try FileInfo.read(path: sweep).frames == 16000 * 4)
        #expect(try sfconv("sweep", sweep, "--duration", "2", "--rate", "16000", "--end", "8000", "--force").status == 0)
        #expect(try FileInfo.read(path: sweep).frames == 16000 * 5)
    }
}
