import Foundation
import SFConv
import SFConvTestSupport
import Testing

/// `sfconv batch` reverb augmentation as a training pipeline uses it: channels, alignment, length,
/// targets, noise, DRR, RT60, manifests and the independence of every draw.
@Suite struct AugmentTests {
    let folder: TemporaryFolder
    static let rate = 16000
    static let names = ["a.wav", "b.wav", "sub/c.wav", "sub/deep/d.wav", "sub/e.wav", "f.wav"]
    /// The test IR's direct sound: after 37 frames of pre-delay.
    static let onset = 37

    init() throws {
        folder = try TemporaryFolder()
        for directory in ["in/sub/deep", "irs", "stereo-irs", "noise", "decays"] {
            try FileManager.default.createDirectory(atPath: folder.file(directory), withIntermediateDirectories: true)
        }
        var generator = SeededGenerator(seed: 41)
        for (index, name) in Self.names.enumerated() {
            try writeAudio([randomSignal(2000 + 300 * index, using: &generator).map { $0 * 0.3 }], rate: Self.rate, to: folder.file("in/\(name)"))
        }
        try writeAudio([Self.impulseResponse(length: 1400, seed: 1)], rate: Self.rate, to: folder.file("irs/one.wav"))
        try writeAudio([Self.impulseResponse(length: 1100, seed: 2)], rate: Self.rate, to: folder.file("irs/two.wav"))
        try writeAudio((0..<2).map { Self.impulseResponse(length: 900, seed: 3 + UInt64($0)) }, rate: Self.rate, to: folder.file("stereo-irs/stereo.wav"))
        try writeAudio((0..<4).map { Self.impulseResponse(length: 800, seed: 5 + UInt64($0)) }, rate: Self.rate, to: folder.file("stereo-irs/true-stereo.wav"))
        try writeAudio([randomSignal(5000, using: &generator).map { $0 * 0.1 }], rate: Self.rate, to: folder.file("noise/long.wav"))
        try writeAudio([randomSignal(700, using: &generator).map { $0 * 0.2 }], rate: Self.rate, to: folder.file("noise/short.wav"))
    }

    /// A direct sound of 0.8 after `onset` frames, then a decaying random tail under 0.06.
    static func impulseResponse(length: Int, seed: UInt64) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        var h = [Float](repeating: 0, count: length)
        for i in (onset + 1)..<length { h[i] = Float.random(in: -0.06...0.06, using: &generator) * Float(exp(-Double(i) / 400)) }
        h[onset] = 0.8
        return h
    }

    func manifest(_ path: String) throws -> [[String: Any]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    func run(_ arguments: String...) throws -> RunResult {
        let result = try sfconv(["batch"] + arguments + ["--recursive", "-q"], in: folder)
        #expect(result.status == 0, "\(arguments): \(result.standardError)")
        return result
    }

    @Test func aMonoCorpusStaysMonoWithStereoAndTrueStereoIRs() throws {
        _ = try run("in", "out", "--impulse-dir", "stereo-irs", "--random-impulse", "--seed", "3", "--manifest", "m.jsonl")
        let lines = try manifest(folder.file("m.jsonl"))
        #expect(lines.count == Self.names.count)
        var irs = Set<String>()
        for line in lines {
            let output = try readAudio(folder.file(try #require(line["audio_filepath"] as? String)))
            let input = try readAudio(folder.file(try #require(line["source"] as? String)))
            #expect(output.channelCount == 1 && output.frameCount == input.frameCount && line["channels"] as? Int == 1)
            let ir = try #require(line["ir"] as? String)
            irs.insert(ir)
            let channel = try #require(line["ir_channel"] as? Int)
            #expect(channel >= 0 && channel < (ir.hasSuffix("true-stereo.wav") ? 4 : 2))
        }
        #expect(irs == ["stereo-irs/stereo.wav", "stereo-irs/true-stereo.wav"], "both IRs drawn across 6 files with this seed")
        _ = try run("in", "out2", "--impulse-dir", "stereo-irs", "--random-impulse", "--seed", "3", "--channels", "stereo")
        #expect(try readAudio(folder.file("out2/a.wav")).channelCount == 2)
    }

    /// The lag of the largest cross-correlation of `output` against `input`, over ±`range`.
    func lag(_ output: [Sample], _ input: [Sample], range: Int = 100) -> Int {
        var best = -Double.infinity, bestLag = 0
        for lag in -range...range {
            var sum = 0.0
            for i in input.indices where i + lag >= 0 && i + lag < output.count { sum += Double(input[i]) * Double(output[i + lag]) }
            if sum > best { best = sum; bestLag = lag }
        }
        return bestLag
    }

    @Test func theOutputIsAlignedToTheDryInputAndKeepsItsLengthUnlessAsked() throws {
        _ = try run("in", "aligned", "--impulse-dir", "irs", "--random-impulse", "--dry-range", "0:0")
        _ = try run("in", "late", "--impulse-dir", "irs", "--random-impulse", "--dry-range", "0:0", "--align", "none")
        _ = try run("in", "full", "--impulse-dir", "irs", "--random-impulse", "--length", "full", "--manifest", "full.jsonl")
        for name in Self.names {
            let input = try readAudio(folder.file("in/\(name)")).channels[0]
            let aligned = try readAudio(folder.file("aligned/\(name)")).channels[0]
            #expect(aligned.count == input.count)
            #expect(lag(aligned, input) == 0)
            #expect(lag(try readAudio(folder.file("late/\(name)")).channels[0], input) == Self.onset)
        }
        for line in try manifest(folder.file("full.jsonl")) {
            let irFrames = (line["ir"] as? String) == "irs/one.wav" ? 1400 : 1100
            let input = try readAudio(folder.file(line["source"] as! String)).frameCount
            #expect(try readAudio(folder.file(line["audio_filepath"] as! String)).frameCount == input + irFrames - 1 - Self.onset)
        }
    }

    /// The reverberant output and the early target against Double references built from the
    /// IR file: h′ = h / ‖h‖ (unit energy), kernel = wet·h′ (cut at the direct sound + 50 ms for
    /// the target) + dry at the direct sound, advanced by the direct sound.
    @Test func theEarlyTargetIsTheInputThroughTheEarlyIRSampleAligned() throws {
        _ = try run("in", "out", "--impulse-dir", "irs", "--random-impulse", "--wet-range", "0.5:0.5", "--dry-range", "0.25:0.25",
                    "--target-dir", "tgt", "--target", "early", "--manifest", "m.jsonl")
        let earlyFrames = Self.onset + 50 * Self.rate / 1000
        for line in try manifest(folder.file("m.jsonl")) {
            let h = try readAudio(folder.file(line["ir"] as! String)).channels[0]
            let norm = h.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            func kernel(_ end: Int) -> [Double] {
                var k = (0..<h.count).map { $0 < end ? 0.5 * Double(h[$0]) / norm : 0 }
                k[Self.onset] += 0.25
                return k
            }
            let x = try readAudio(folder.file(line["source"] as! String)).channels[0]
            for (path, k) in [(line["audio_filepath"] as! String, kernel(h.count)), (line["target_filepath"] as! String, kernel(earlyFrames))] {
                let actual = try readAudio(folder.file(path)).channels[0]
                #expect(actual.count == x.count)
                var worst = 0.0
                for n in x.indices {
                    var sum = 0.0
                    for (j, value) in k.enumerated() where value != 0 {
                        let i = n + Self.onset - j
                        if i >= 0 && i < x.count { sum += value * Double(x[i]) }
                    }
                    worst = max(worst, abs(sum - Double(actual[n])))
                }
                #expect(worst < 1e-6, "\(path): \(worst)")
            }
            #expect((line["target_filepath"] as! String).hasPrefix("tgt/"))
        }
    }

    /// The dry target: the input as its direct sound appears in the output, (dry + wet·h′[peak])·x,
    /// where the output's direct sound is (frame 0 aligned, the IR's peak without --align).
    @Test func theDryTargetIsTheInputAtItsDirectSoundsLevelAndPlace() throws {
        for (align, delay) in [("direct", 0), ("none", Self.onset)] {
            _ = try run("in", "out-\(align)", "--impulse-dir", "irs", "--random-impulse", "--wet-range", "0.5:0.5", "--dry-range", "0.25:0.25",
                        "--align", align, "--target-dir", "dry-\(align)", "--target", "dry", "--manifest", "dry-\(align).jsonl")
            for line in try manifest(folder.file("dry-\(align).jsonl")) {
                let h = try readAudio(folder.file(line["ir"] as! String)).channels[0]
                let norm = h.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
                let x = try readAudio(folder.file(line["source"] as! String)).channels[0]
                let target = try readAudio(folder.file(line["target_filepath"] as! String)).channels[0]
                let weight = 0.25 + 0.5 * Double(h[Self.onset]) / norm
                var worst = 0.0
                for n in target.indices { worst = max(worst, abs(Double(target[n]) - (n >= delay ? weight * Double(x[n - delay]) : 0))) }
                #expect(worst < 1e-6, "\(align): \(worst)")
            }
        }
    }

    /// Noise on and off: every other draw stays; the difference is the noise, at the drawn SNR.
    @Test func noiseIsAddedAtTheDrawnSNRAndChangesNoOtherDraw() throws {
        let common = ["--impulse-dir", "stereo-irs", "--random-impulse", "--seed", "11", "--drr-range", "0:10", "--dry-range", "-6dB:0dB"]
        _ = try sfconv(["batch", "in", "clean", "--manifest", "clean.jsonl", "-r", "-q"] + common, in: folder)
        let noisy = try sfconv(["batch", "in", "noisy", "--manifest", "noisy.jsonl", "-r", "-q", "--noise-dir", "noise", "--snr-range", "0:20"] + common,
                               in: folder)
        #expect(noisy.status == 0, "\(noisy.standardError)")
        let clean = try manifest(folder.file("clean.jsonl")), withNoise = try manifest(folder.file("noisy.jsonl"))
        #expect(clean.count == Self.names.count && withNoise.count == clean.count)
        var noiseFiles = Set<String>()
        for (a, b) in zip(clean, withNoise) {
            for key in ["ir", "ir_channel", "wet_db", "dry_db", "drr_db", "rt60", "source", "seed"] {
                #expect("\(a[key]!)" == "\(b[key]!)", "\(key) changed by --noise-dir")
            }
            #expect(a["snr_db"] is NSNull && a["noise"] is NSNull)
            let snr = try #require(b["snr_db"] as? Double)
            #expect(snr >= 0 && snr <= 20)
            noiseFiles.insert(b["noise"] as! String)
            let reverberant = try readAudio(folder.file(a["audio_filepath"] as! String)).channels[0]
            let mixed = try readAudio(folder.file(b["audio_filepath"] as! String)).channels[0]
            var signal = 0.0, noise = 0.0
            for i in reverberant.indices {
                signal += Double(reverberant[i]) * Double(reverberant[i])
                noise += (Double(mixed[i]) - Double(reverberant[i])) * (Double(mixed[i]) - Double(reverberant[i]))
            }
            #expect(abs(10 * log10(signal / noise) - snr) < 0.1, "measured \(10 * log10(signal / noise)) dB, drawn \(snr) dB")
        }
        #expect(noiseFiles == ["noise/long.wav", "noise/short.wav"])
    }

    /// Each option on or off leaves every other option's draws as they were.
    @Test func turningOptionsOnOrOffNeverChangesAnotherDraw() throws {
        let base = ["--impulse-dir", "stereo-irs", "--random-impulse", "--seed", "21", "--noise-dir", "noise", "--snr-range", "0:30", "-r", "-q"]
        let variants: [[String]] = [[], ["--drr-range", "-5:15"], ["--dry-range", "0:1", "--peak-limit", "-3dB"], ["--target-dir", "tv", "--target", "dry"],
                                    ["--length", "full", "--align", "none"], ["--wet-range", "-30dB:0dB"]]
        var runs: [[[String: Any]]] = []
        for (index, extra) in variants.enumerated() {
            let result = try sfconv(["batch", "in", "v\(index)", "--manifest", "v\(index).jsonl"] + base + extra, in: folder)
            #expect(result.status == 0, "\(extra): \(result.standardError)")
            runs.append(try manifest(folder.file("v\(index).jsonl")))
        }
        for (index, run) in runs.enumerated().dropFirst() {
            for (a, b) in zip(runs[0], run) {
                var keys = ["ir", "ir_channel", "noise", "noise_offset", "snr_db", "source"]
                if index != 5 { keys.append("wet_db") }
                for key in keys { #expect("\(a[key]!)" == "\(b[key]!)", "\(variants[index]) changed \(key)") }
            }
        }
    }

    /// --snr-ref early: the SNR is measured against the early-reverb signal (the early target).
    @Test func theSNRCanReferToTheEarlySignal() throws {
        let common = ["--impulse-dir", "irs", "--random-impulse", "--seed", "4", "--target", "early", "-r", "-q"]
        #expect(try sfconv(["batch", "in", "clean", "--target-dir", "early"] + common, in: folder).status == 0)
        let noisy = try sfconv(["batch", "in", "noisy", "--target-dir", "early2", "--manifest", "m.jsonl", "--noise-dir", "noise", "--snr-range", "3:12",
                                "--snr-ref", "early"] + common, in: folder)
        #expect(noisy.status == 0, "\(noisy.standardError)")
        for line in try manifest(folder.file("m.jsonl")) {
            let name = String((line["audio_filepath"] as! String).dropFirst("noisy/".count))
            let clean = try readAudio(folder.file("clean/\(name)")).channels[0]
            let mixed = try readAudio(folder.file("noisy/\(name)")).channels[0]
            let early = try readAudio(folder.file("early2/\(name)")).channels[0]
            #expect(try readAudio(folder.file("early/\(name)")).channels[0] == early, "the target is the same with or without noise")
            var reference = 0.0, noise = 0.0
            for i in clean.indices {
                reference += Double(early[i]) * Double(early[i])
                noise += (Double(mixed[i]) - Double(clean[i])) * (Double(mixed[i]) - Double(clean[i]))
            }
            #expect(abs(10 * log10(reference / noise) - (line["snr_db"] as! Double)) < 0.1)
        }
    }

    /// Through a unit impulse, the output is wet·h′ itself: its DRR is measured independently.
    @Test func theDrawnDRRIsTheOutputsDRR() throws {
        try FileManager.default.createDirectory(atPath: folder.file("dirac"), withIntermediateDirectories: true)
        for index in 0..<4 {
            var x = [Float](repeating: 0, count: 3000)
            x[0] = 1
            try writeAudio([x], rate: Self.rate, to: folder.file("dirac/\(index).wav"))
        }
        _ = try run("dirac", "drr", "--impulse-dir", "irs", "--random-impulse", "--dry-range", "0:0", "--align", "none",
                    "--drr-range", "-3:9", "--manifest", "drr.jsonl")
        let lines = try manifest(folder.file("drr.jsonl"))
        #expect(Set(lines.map { $0["drr_db"] as! Double }).count == 4)
        for line in lines {
            let drawn = line["drr_db"] as! Double
            let h = try readAudio(folder.file(line["audio_filepath"] as! String)).channels[0]
            let peak = h.indices.max { abs(h[$0]) < abs(h[$1]) }!
            let half = Int(0.0025 * Double(Self.rate))
            var direct = 0.0, reverberant = 0.0
            for (i, v) in h.enumerated() {
                if abs(i - peak) <= half { direct += Double(v) * Double(v) } else if i > peak { reverberant += Double(v) * Double(v) }
            }
            #expect(drawn >= -3 && drawn <= 9)
            #expect(abs(10 * log10(direct / reverberant) - drawn) < 0.1, "measured \(10 * log10(direct / reverberant)), drawn \(drawn)")
        }
    }

    @Test func rt60RangeDrawsOnlyAmongIRsWhoseT30LiesInIt() throws {
        for (index, rt60) in [0.3, 0.35, 1.1, 1.3].enumerated() {
            var generator = SeededGenerator(seed: UInt64(index))
            let h = (0..<Int(1.5 * rt60 * Double(Self.rate))).map { i in
                Float.random(in: -1...1, using: &generator) * Float(exp(-3 * log(10) * Double(i) / Double(Self.rate) / rt60))
            }
            try writeAudio([h], rate: Self.rate, to: folder.file("decays/rt\(index).wav"))
        }
        _ = try run("in", "long", "--impulse-dir", "decays", "--random-impulse", "--rt60-range", "0.8:1.6", "--manifest", "long.jsonl")
        let lines = try manifest(folder.file("long.jsonl"))
        #expect(lines.count == Self.names.count)
        #expect(Set(lines.map { $0["ir"] as! String }) == ["decays/rt2.wav", "decays/rt3.wav"])
        #expect(lines.allSatisfy { ($0["rt60"] as! Double) >= 0.8 && ($0["rt60"] as! Double) <= 1.6 })
        let none = try sfconv(["batch", "in", "none", "--impulse-dir", "decays", "--random-impulse", "--rt60-range", "5:6"], in: folder)
        #expect(none.status == 1 && none.errorLines.count == 1 && none.errorLines[0].hasPrefix("error: --rt60-range 5:6: no impulse response"),
                "\(none.standardError)")
        // Synthetic IRs: one per file, RT60 and DRR drawn.
        _ = try run("in", "synthetic", "--synthetic-ir", "--rt60-range", "0.2:0.5", "--drr-range", "0:6", "--manifest", "synthetic.jsonl")
        for line in try manifest(folder.file("synthetic.jsonl")) {
            let ir = try #require(line["ir"] as? [String: Any])
            #expect(ir["model"] as? String == "room" && (ir["rt60"] as! Double) >= 0.2 && (ir["rt60"] as! Double) <= 0.5)
            #expect((line["drr_db"] as! Double) >= 0 && (line["drr_db"] as! Double) <= 6 && line["channels"] as? Int == 1)
        }
    }

    @Test func manifestKeysAndInputManifestPassThrough() throws {
        let listed = ["{\"audio_filepath\": \"sub/c.wav\", \"text\": \"hello world\", \"speaker\": 3}",
                      "",
                      "{\"audio_filepath\": \"a.wav\", \"text\": \"second\", \"speaker\": 4, \"duration\": 99}"]
        try listed.joined(separator: "\n").write(toFile: folder.file("in.jsonl"), atomically: true, encoding: .utf8)
        _ = try run("in", "listed", "--input-manifest", "in.jsonl", "--impulse-dir", "irs", "--random-impulse", "--seed", "5",
                    "--noise-dir", "noise", "--snr-range", "10:10", "--peak-limit", "-1dB", "--manifest", "out.jsonl")
        let lines = try manifest(folder.file("out.jsonl"))
        #expect(lines.count == 2)
        #expect(!FileManager.default.fileExists(atPath: folder.file("listed/b.wav")))
        for (line, (text, speaker)) in zip(lines, [("hello world", 3), ("second", 4)]) {
            #expect(Set(Manifest.keys).isSubset(of: Set(line.keys)), "missing \(Set(Manifest.keys).subtracting(line.keys))")
            #expect(line["text"] as? String == text && line["speaker"] as? Int == speaker)
            #expect(line["target_filepath"] is NSNull && line["gain_db"] is Double && line["seed"] as? Int == 5)
            #expect(line["snr_db"] as? Double == 10 && line["sample_rate"] as? Int == Self.rate)
        }
        #expect(lines[0]["audio_filepath"] as? String == "listed/sub/c.wav" && lines[0]["source"] as? String == "sub/c.wav")
        let duration = try #require(lines[1]["duration"] as? Double)
        #expect(abs(duration - 2000.0 / Double(Self.rate)) < 1e-9, "the output's duration replaces the input's")
        // A listed file that is missing fails that file, named, and the exit status says so.
        try "{\"audio_filepath\": \"gone.wav\"}\n{\"audio_filepath\": \"f.wav\"}\n".write(toFile: folder.file("gone.jsonl"), atomically: true, encoding: .utf8)
        let gone = try sfconv(["batch", "in", "gone", "--input-manifest", "gone.jsonl", "--impulse-dir", "irs", "--random-impulse", "-q"], in: folder)
        #expect(gone.status == 1 && gone.standardError.contains("failed:") && gone.standardError.contains("gone.wav"))
        #expect(FileManager.default.fileExists(atPath: folder.file("gone/f.wav")))
    }

    @Test func badInputIsOneClearErrorLine() throws {
        try FileManager.default.createDirectory(atPath: folder.file("empty"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: folder.file("badnoise"), withIntermediateDirectories: true)
        try "not audio".write(toFile: folder.file("badnoise/x.wav"), atomically: true, encoding: .utf8)
        try "{\"audio_filepath\": \"a.wav\"}\nnot json\n".write(toFile: folder.file("notjson.jsonl"), atomically: true, encoding: .utf8)
        try "{\"text\": \"no path\"}\n".write(toFile: folder.file("nopath.jsonl"), atomically: true, encoding: .utf8)
        let base = ["batch", "in", "bad", "--impulse-dir", "irs", "--random-impulse"]
        let cases: [([String], String)] = [
            (["--noise-dir", "noise", "--snr-range", "5:1"], "error: --snr-range: expected LOW:HIGH with LOW ≤ HIGH"),
            (["--noise-dir", "noise", "--snr-range", "abc"], "error: --snr-range: expected LOW:HIGH"),
            (["--drr-range", "x:3"], "error: --drr-range: expected LOW:HIGH"),
            (["--dry-range", "-6dB"], "error: --dry-range:"),
            (["--rt60-range", "2:1"], "error: --rt60-range:"),
            (["--peak-limit", "loud"], "error: --peak-limit:"),
            (["--noise-dir", "empty", "--snr-range", "5:10"], "error: --noise-dir: no audio files in the folder (empty)"),
            (["--noise-dir", "badnoise", "--snr-range", "5:10"], "error: --noise-dir: cannot read a noise file"),
            (["--input-manifest", "notjson.jsonl"], "error: notjson.jsonl:2: not a JSON object"),
            (["--input-manifest", "nopath.jsonl"], "error: nopath.jsonl:1: no \"audio_filepath\" string"),
            (["--target-dir", "t"], "error: --target-dir and --target go together"),
        ]
        for (extra, message) in cases {
            let result = try sfconv(base + extra, in: folder)
            // (A usage mistake is followed by the usage text, as for every option.)
            let usage = message.contains("go together")
            #expect(result.status == (usage ? 64 : 1) && (usage || result.errorLines.count == 1) && result.errorLines.first?.hasPrefix(message) == true,
                    "\(extra): \(result.status) \(result.standardError)")
        }
        #expect(!FileManager.default.fileExists(atPath: folder.file("bad")))
        let plain = try sfconv(["batch", "in", "bad", "--chain", "gain:db=-1", "--noise-dir", "noise"], in: folder)
        #expect(plain.status != 0 && plain.standardError.contains("--noise-dir applies only to reverb augmentation"))
    }

    /// The same seed gives the same corpus at any --jobs and shard count; --skip-existing resumes
    /// with the full manifest and rewrites nothing.
    @Test func sameCorpusAtAnyJobsAndShardsAndResumes() throws {
        let options = ["--impulse-dir", "stereo-irs", "--random-impulse", "--seed", "9", "--noise-dir", "noise", "--snr-range", "5:15",
                       "--drr-range", "0:8", "--target-dir", "T", "--target", "early", "-r", "-q"]
        #expect(try sfconv(["batch", "in", "O", "--jobs", "1", "--manifest", "one.jsonl"] + options, in: folder).status == 0)
        var sharded: [String] = []
        for index in 0..<3 {
            let result = try sfconv(["batch", "in", "O2", "--jobs", "2", "--shard", "\(index)/3", "--manifest", "s\(index).jsonl"] + options.map { $0 == "T" ? "T2" : $0 }, in: folder)
            #expect(result.status == 0)
            sharded += try String(contentsOfFile: folder.file("s\(index).jsonl"), encoding: .utf8).split(separator: "\n").map(String.init)
        }
        let one = try String(contentsOfFile: folder.file("one.jsonl"), encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(sharded.map { $0.replacingOccurrences(of: "O2/", with: "O/").replacingOccurrences(of: "T2/", with: "T/") }.sorted() == one.sorted())
        for name in Self.names {
            // Samples, not bytes: a float WAV's PEAK chunk holds a time stamp.
            #expect(try readAudio(folder.file("O/\(name)")) == readAudio(folder.file("O2/\(name)")))
            #expect(try readAudio(folder.file("T/\(name)")) == readAudio(folder.file("T2/\(name)")))
        }
        let before = try FileManager.default.attributesOfItem(atPath: folder.file("O/a.wav"))[.modificationDate] as? Date
        let again = try sfconv(["batch", "in", "O", "--skip-existing", "--manifest", "one.jsonl"] + options, in: folder)
        #expect(again.status == 0 && again.standardError.contains("skipped 6"), "\(again.standardError)")
        #expect(try String(contentsOfFile: folder.file("one.jsonl"), encoding: .utf8).split(separator: "\n").map(String.init) == one)
        #expect(try FileManager.default.attributesOfItem(atPath: folder.file("O/a.wav"))[.modificationDate] as? Date == before)
        // A run killed between a target and its output: the resumed run writes the output, replaces the target.
        try FileManager.default.removeItem(atPath: folder.file("O/a.wav"))
        let resumed = try sfconv(["batch", "in", "O", "--skip-existing", "--manifest", "one.jsonl"] + options, in: folder)
        #expect(resumed.status == 0 && resumed.standardError.contains("ok 1   failed 0   skipped 5"), "\(resumed.standardError)")
        #expect(try String(contentsOfFile: folder.file("one.jsonl"), encoding: .utf8).split(separator: "\n").map(String.init) == one)
        #expect(try readAudio(folder.file("O/a.wav")) == readAudio(folder.file("O2/a.wav")))
        let clash = try sfconv(["batch", "in", "O", "--manifest", "one.jsonl"] + options, in: folder)
        #expect(clash.status == 1, "an existing manifest is not replaced without --force or --skip-existing")
        // Without a manifest, a resumed run reads existing outputs through: one whose data never
        // reached the disk (a crash after the rename, before the batch's sync) is made again.
        try Data().write(to: URL(fileURLWithPath: folder.file("O/a.wav")))
        let noManifest = try sfconv(["batch", "in", "O", "--skip-existing"] + options, in: folder)
        #expect(noManifest.status == 0 && noManifest.standardError.contains("ok 1   failed 0   skipped 5"), "\(noManifest.standardError)")
        #expect(try readAudio(folder.file("O/a.wav")) == readAudio(folder.file("O2/a.wav")))
    }
}
