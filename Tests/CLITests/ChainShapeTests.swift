import Foundation
import SFConv
import SFConvTestSupport
import Testing

/// 6,600 dB of gain: beyond what a Double (the stream between stages) can hold.
private let loudChain = Array(repeating: "gain:db=60", count: 110).joined(separator: ",")

/// Behaviour that follows from every command being a chain of declared effects: one range check
/// and message per value wherever it is written, one output-format merge, one render path.
@Suite struct ChainShapeTests {
    let folder: TemporaryFolder
    var rng = SeededGenerator(seed: 9)

    init() throws {
        folder = try TemporaryFolder()
        try writeAudio([randomSignal(4800, using: &rng)], to: folder.file("in.wav"))
        try writeAudio([randomSignal(4800, using: &rng), randomSignal(4800, using: &rng)], to: folder.file("stereo.wav"))
        try writeAudio([[1, 0.5, 0.25, 0, -0.1]], to: folder.file("ir.wav"))
    }

    func preset(_ name: String, _ text: String) throws -> String {
        let path = folder.file(name)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The run failed with one or more `error:` lines, no trap, and left the folder as it was.
    func expectCleanFailure(_ result: RunResult, _ fragment: String, before: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == 1 || result.status == 64, "status \(result.status): \(result.standardError)", sourceLocation: sourceLocation)
        #expect(!result.errorLines.isEmpty && result.errorLines.allSatisfy { $0.hasPrefix("error: ") }, "\(result.standardError)", sourceLocation: sourceLocation)
        #expect(result.standardError.contains(fragment), "\(result.standardError)", sourceLocation: sourceLocation)
        #expect(!result.standardError.contains("Fatal error"), sourceLocation: sourceLocation)
        #expect(folder.contents() == before, "\(folder.contents())", sourceLocation: sourceLocation)
    }

    /// Each of these died with a Swift trap (SIGILL) before the redesign.
    @Test(arguments: [
        (["reverb", "in.wav", "ir.wav", "o.wav", "--ir-length", "1e300"], "--ir-length"),
        (["reverb", "in.wav", "ir.wav", "o.wav", "--ir-trim-start", "1e300"], "--ir-trim-start"),
        (["design", "lowpass", "--cutoff", "1000", "--transition", "1e-14", "--attenuation", "80", "--print"], "--transition"),
        (["design", "lowpass", "--cutoff", "1000", "--transition", "100", "--attenuation", "1e20", "--print"], "--attenuation"),
        (["filter", "in.wav", "o.wav", "lowpass", "--cutoff", "1e308"], "--cutoff"),
        (["filter", "in.wav", "o.wav", "lowpass", "--cutoff", "1000", "--window", "kaiser", "--beta", "1000"], "--beta"),
        (["apply", "in.wav", "o.wav", "--chain", "gain:db=1e308"], "key 'db'"),
        (["apply", "in.wav", "o.wav", "--chain", "delay:ms=1e300"], "key 'ms'"),
        (["apply", "in.wav", "o.wav", "--chain", "trim:start=1e300"], "key 'start'"),
        (["reverb", "in.wav", "ir.wav", "o.wav", "--predelay", "nan"], "--predelay"),
        (["generate", "sine", "o.wav", "--duration", "1e300"], "--duration"),
    ])
    func formerTrapsAreErrors(arguments: [String], fragment: String) throws {
        let before = folder.contents()
        expectCleanFailure(try sfconv(arguments, in: folder), fragment, before: before)
    }

    /// Found by an adversarial run of the redesign: each wrote non-finite audio, an empty file, or
    /// a file it should not have, with exit 0.
    @Test(arguments: [
        (["filter", "in.wav", "o.wav", "eq", "--points", "100:1e308"], "outside -120 to 60 dB"),
        (["filter", "in.wav", "o.wav", "lowpass", "--cutoff", "1e-320"], "unboundedly many taps"),
        (["apply", "stereo.wav", "o.wav", "--chain", "channels:matrix=1e39/1"], "key 'matrix'"),
        (["apply", "in.wav", "o.wav", "--chain", "trim:start=2"], "no audio to write"),
        (["apply", "in.wav", "o.wav", "--chain", "trim:start=2:end=1"], "must come after 'start'"),
        (["apply", "in.wav", "o.wav", "--chain", loudChain], "infinite sample"),
        (["design", "lowpass", "--cutoff", "2000", "-o", "k.wav", "--plot", "k.wav"], "same file"),
        (["design", "lowpass", "--cutoff", "2000", "-o", "k.wav", "--plot", "in.wav"], "output file exists"),
        (["design", "--preset", "lowpass-8k", "--cutoff", "100", "--print"], "not both"),
        (["reverb", "in.wav", "three.wav", "o.wav"], "not 3 channels"),
        (["design", "lowpass", "--cutoff", "1000", "--print"], "cannot write to standard output"),
        (["convolve", "in.wav", "ir.wav", "dangling.wav"], "dangling symbolic link"),
        (["batch", ".", ".", "--chain", "gain:db=0"], "OUT_DIR is IN_DIR"),
        (["batch", ".", "in.wav", "--chain", "gain:db=0"], "OUT_DIR is a file"),
        (["batch", ".", "out", "--chain", "gain:db=0", "--report", "in.wav"], "output file exists"),
        (["batch", ".", "out", "--chain", "gain:db=0", "--wet-range", "0.1:0.2"], "only with --random-impulse"),
        (["reverb", "in.wav", "ir.wav", "o.wav", "--max-memory", "1K", "-q"], "more than the memory budget of 0.0 MiB allows (--max-memory)"),
        (["apply", "in.wav", "o.wav", "--chain", "reverb:impulse=ir.wav:predelay=10000", "--max-memory", "1M", "-q"], "impulse response with its predelay"),
        (["convolve", "in.wav", "three.wav", "o.wav", "--max-memory", "20K"], "memory budget"),
    ])
    func refusedWithoutWritingAnything(arguments: [String], fragment: String) throws {
        try writeAudio([[1], [0.5], [0.2]], to: folder.file("three.wav"))
        try FileManager.default.createSymbolicLink(atPath: folder.file("dangling.wav"), withDestinationPath: "/nonexistent/x.wav")
        let before = folder.contents()
        // Standard output is /dev/full: whatever is printed cannot be written.
        let result = try runProcess("/bin/sh", ["-c", "exec \"$0\" \"$@\" > /dev/full", sfconvBinary] + arguments, in: folder)
        expectCleanFailure(result, fragment, before: before)
    }

    @Test func batchRefusesTwoInputsForOneOutput() throws {
        try FileManager.default.createDirectory(atPath: folder.file("corpus"), withIntermediateDirectories: true)
        #expect(try sfconv("convolve", folder.file("in.wav"), folder.file("ir.wav"), folder.file("corpus/x.wav")).status == 0)
        #expect(try sfconv("convolve", folder.file("in.wav"), folder.file("ir.wav"), folder.file("corpus/x.flac")).status == 0)
        let result = try sfconv("batch", folder.file("corpus"), folder.file("out"), "--chain", "gain:db=0", "--format", "flac")
        #expect(result.status == 1 && result.standardError.contains("x.flac and x.wav would both be written to"), "\(result.standardError)")
        #expect(!FileManager.default.fileExists(atPath: folder.file("out/x.flac")))
    }

    @Test func presetsWithHostileShapesAreRefusedCleanly() throws {
        let deep = try preset("deep.toml", String(repeating: "a.", count: 30000) + "a = 1\n")
        let check = try sfconv("presets", "check", deep)
        #expect(check.status == 1 && check.errorLines == ["error: \(deep):1: a key of more than 64 dotted parts"], "\(check.standardError)")
        // Found by the fuzzer: the TOML parser asserted (SIGABRT) on a non-ASCII character in a table name.
        let unicodeKey = try preset("key.toml", "[\u{FFFD}output]\nnamefo")
        let aborted = try sfconv("presets", "check", unicodeKey)
        #expect(aborted.status == 1 && aborted.errorLines.first?.hasPrefix("error: \(unicodeKey):1: TOML syntax:") == true, "\(aborted.standardError)")
        let unicodeValue = try sfconv("presets", "check", try preset("value.toml", "name = 1\nnamé = 2\n"))
        #expect(unicodeValue.errorLines == ["error: \(folder.file("value.toml")):2: TOML syntax: a character outside ASCII outside a string or comment"],
                "\(unicodeValue.standardError)")
        for (name, text) in [("header.toml", "[\not"), ("header2.toml", "name = 1\n  [ \t\n"), ("nul.toml", "[ot\u{0}u7]"),
                             ("bracket.toml", "name = [ }\n"), ("nested.toml", "x = { a = [1, }]\n"), ("date.toml", "\no =0000-90-9o 9\n"),
                             ("quotes.toml", "na='''''''\n[[[[[[[[[e='''''\ne\n='''['&'")] {
            let hazard = try sfconv("presets", "check", try preset(name, text))
            #expect(hazard.status == 1 && hazard.errorLines.first?.contains("TOML syntax") == true, "\(name): \(hazard.standardError)")
        }
        let crlf = try preset("crlf.toml", "[[effect]]\r\ntype = \"gain\"\r\ndb = \"loud\"\r\n")
        #expect(try sfconv("presets", "check", crlf).errorLines.first?.contains("crlf.toml:3: effect[1].db") == true)
        let pair = try preset("pair.toml", "[output]\nformat = \"flac\"\nsubtype = \"float\"\n[[effect]]\ntype = \"gain\"\ndb = 1\n")
        #expect(try sfconv("presets", "check", pair).errorLines.first?.contains("pair.toml:3: output.subtype: flac cannot store float samples") == true)
        // The extension outranks the preset: a pcm16 preset writes its MP3 without complaint.
        let pcm16 = try preset("p16.toml", "[output]\nsubtype = \"pcm16\"\n[[effect]]\ntype = \"gain\"\ndb = -1\n")
        let mp3 = try sfconv("apply", folder.file("in.wav"), folder.file("o.mp3"), "--preset", pcm16)
        #expect(mp3.status == 0, "\(mp3.standardError)")
    }

    @Test func presetValuesThatTrappedAreErrorsAndDoNotBreakTheLibrary() throws {
        let config = folder.file("config")
        try FileManager.default.createDirectory(atPath: config + "/sfconv/presets", withIntermediateDirectories: true)
        try "[[effect]]\ntype = \"gain\"\ndb = inf\n".write(toFile: config + "/sfconv/presets/inf.toml", atomically: true, encoding: .utf8)
        try "[[effect]]\ntype = \"lowpass\"\ncutoff = 1000\ntransition = 1e-15\nattenuation = 60\n"
            .write(toFile: config + "/sfconv/presets/narrow.toml", atomically: true, encoding: .utf8)
        let environment = ["XDG_CONFIG_HOME": config]
        let listed = try sfconv(["presets", "list"], in: folder, environment: environment)
        #expect(listed.status == 0 && listed.standardOutput.contains("inf") && listed.standardOutput.contains("does not load"))
        let before = folder.contents()
        expectCleanFailure(try sfconv(["apply", "in.wav", "o.wav", "--preset", "inf"], in: folder, environment: environment),
                           "effect[1].db: expected a gain from -120 to 60 dB, found the number inf", before: before)
        expectCleanFailure(try sfconv(["apply", "in.wav", "o.wav", "--preset", "narrow"], in: folder, environment: environment),
                           "effect[1].transition:", before: before)
    }

    @Test func presetsCheckReportsEveryProblemThatApplyWould() throws {
        let path = try preset("four.toml", """
            [[effect]]
            type = "bandpass"
            low = 3400
            high = 300

            [[effect]]
            type = "highpass"
            cutoff = 90
            taps = 256

            [[effect]]
            type = "reverb"
            impulse = "nowhere.flac"
            wet = "-12"

            [[effect]]
            type = "gain"
            db = inf

            """)
        try "not audio".write(toFile: folder.file("text.wav"), atomically: true, encoding: .utf8)
        let check = try sfconv("presets", "check", path)
        #expect(check.status == 1)
        let lines = check.errorLines
        #expect(lines.count == 5, "\(check.standardError)")
        for fragment in ["four.toml:3: effect[1].low: must be below 'high'", "four.toml:9: effect[2].taps:", "odd number of taps",
                         "four.toml:14: effect[3].wet:", "did you mean -12dB?", "four.toml:18: effect[4].db:",
                         "four.toml:13: effect[3].impulse: 'nowhere.flac' not found"] {
            #expect(check.standardError.contains(fragment), "\(fragment): \(check.standardError)")
        }
        let unreadable = try preset("text.toml", "[[effect]]\ntype = \"convolve\"\nkernel = \"text.wav\"\n")
        let second = try sfconv("presets", "check", unreadable)
        #expect(second.status == 1 && second.errorLines.first?.contains("text.toml:3: effect[1].kernel: cannot read as audio") == true,
                "\(second.standardError)")
        let good = try sfconv("presets", "check", "vocal-hall", "telephone")
        #expect(good.status == 0 && good.standardOutput.contains("ok: vocal-hall"), "\(good.standardError)")
    }

    @Test func applyAndBatchWriteTheContainerTheNameSays() throws {
        let path = try preset("flac.toml", "[output]\nformat = \"flac\"\nsubtype = \"pcm16\"\n\n[[effect]]\ntype = \"gain\"\ndb = -1\n")
        #expect(try sfconv("apply", folder.file("in.wav"), folder.file("o.flac"), "--preset", path).status == 0)
        #expect(try sfconv("apply", folder.file("in.wav"), folder.file("o.wav"), "--preset", path).status == 0)
        try FileManager.default.createDirectory(atPath: folder.file("corpus"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: folder.file("in.wav"), toPath: folder.file("corpus/in.wav"))
        let batch = try sfconv("batch", folder.file("corpus"), folder.file("out"), "--preset", path, "--quiet")
        #expect(batch.status == 0, "\(batch.standardError)")
        let infos = try JSONDecoder().decode([FileInfoJSON].self, from: Data(try sfconv("info", "--json", folder.file("o.flac"),
                                                                                         folder.file("out/in.flac"), folder.file("o.wav")).standardOutput.utf8))
        #expect(infos.map(\.encoding) == ["pcm16", "pcm16", "pcm16"])
        #expect(infos[0].container.hasPrefix("FLAC") && infos[1].container.hasPrefix("FLAC") && infos[2].container.hasPrefix("WAV"))
        let before = folder.contents()
        expectCleanFailure(try sfconv("apply", folder.file("in.wav"), folder.file("x.wav"), "--preset", path, "--format", "flac"),
                           "--format flac contradicts the output's extension '.wav'", before: before)
    }

    struct FileInfoJSON: Decodable {
        var container: String
        var encoding: String
        var channels: Int
        var frames: Int
    }

    @Test func gainsInDecibelsAreAcceptedEverywhere() throws {
        try FileManager.default.createDirectory(atPath: folder.file("corpus"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: folder.file("in.wav"), toPath: folder.file("corpus/in.wav"))
        let wetPreset = try preset("wet.toml", "[[effect]]\ntype = \"reverb\"\nimpulse = \"ir.wav\"\nwet = \"-12dB\"\n\n[[effect]]\ntype = \"gain\"\ndb = \"-6 dB\"\n")
        for arguments in [["reverb", "in.wav", "ir.wav", "a.wav", "--wet", "-12dB", "--dry", "-1 dB"],
                          ["reverb", "in.wav", "ir.wav", "b.wav", "--wet", "0.25"],
                          ["apply", "in.wav", "c.wav", "--chain", "gain:db=-6dB,reverb:impulse=ir.wav:wet=-10dB"],
                          ["apply", "in.wav", "d.wav", "--preset", wetPreset],
                          ["batch", "corpus", "out", "--impulse-dir", "corpus", "--random-impulse", "--wet-range", "-20dB:-6dB"],
                          ["generate", "sine", "e.wav", "--amplitude", "-6dB"]] {
            let result = try sfconv(arguments, in: folder)
            #expect(result.status == 0, "\(arguments): \(result.standardError)")
        }
        let bare = try sfconv(["reverb", "in.wav", "ir.wav", "f.wav", "--wet", "-12"], in: folder)
        #expect(bare.status == 1 && bare.errorLines == ["error: --wet: expected a linear gain from 0 to 4 or decibels such as \"-6dB\" (at most +12 dB), found the integer -12 (did you mean -12dB?)"],
                "\(bare.standardError)")
    }

    /// Every command with the hidden `--block-size` passes it to every convolution it runs (the
    /// output equals the automatic plan's to float precision) or refuses a bad one.
    @Test func blockSizeIsHonouredOrRefusedByEveryCommandThatTakesIt() throws {
        try FileManager.default.createDirectory(atPath: folder.file("corpus"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: folder.file("stereo.wav"), toPath: folder.file("corpus/in.wav"))
        // Kernels long enough that the automatic plan's partitions are far larger than 64 frames.
        var generator = SeededGenerator(seed: 3)
        try writeAudio([randomSignal(3000, using: &generator).map { $0 / 30 }], to: folder.file("long.wav"))
        let commands: [(String, [String])] = [
            ("convolve", ["convolve", "stereo.wav", "long.wav", "OUT.wav"]),
            ("filter", ["filter", "stereo.wav", "OUT.wav", "lowpass", "--cutoff", "3000", "--taps", "3001"]),
            ("reverb", ["reverb", "stereo.wav", "long.wav", "OUT.wav"]),
            ("apply", ["apply", "stereo.wav", "OUT.wav", "--chain", "gain:db=-1,reverb:impulse=long.wav"]),
            ("batch", ["batch", "corpus", "OUT", "--chain", "lowpass:cutoff=3000:taps=3001"]),
        ]
        for (name, arguments) in commands {
            func run(_ extra: [String], _ output: String) throws -> RunResult {
                try sfconv(arguments.map { $0.replacingOccurrences(of: "OUT", with: output) } + extra + ["--quiet"], in: folder)
            }
            let automatic = try run([], "\(name)-auto")
            let small = try run(["--block-size", "64"], "\(name)-64")
            #expect(automatic.status == 0 && small.status == 0, "\(name): \(automatic.standardError) \(small.standardError)")
            let file = name == "batch" ? "/in.wav" : ".wav"
            let a = try readAudio(folder.file("\(name)-auto\(file)")), b = try readAudio(folder.file("\(name)-64\(file)"))
            #expect(a.frameCount == b.frameCount, "\(name)")
            for (x, y) in zip(a.channels, b.channels) {
                #expect(zip(x, y).allSatisfy { abs($0 - $1) < 1e-5 }, "\(name)")
            }
            // Other FFT sizes round differently: identical bits would mean the option was ignored.
            let identical = a.channels == b.channels
            #expect(!identical, "\(name): --block-size 64 changed nothing")
            let bad = try run(["--block-size", "3"], "\(name)-bad")
            #expect(bad.status == 1 && bad.standardError.contains("--block-size must be a power of two"), "\(name): \(bad.standardError)")
        }
    }

    @Test func monoInputThroughATrueStereoImpulseGivesStereo() throws {
        let h: [[Sample]] = [[1, 0.5, 0, 0], [0, 0.25, 0, 0], [0.1, 0, 0.2, 0], [0, 0, 0, 0.3]]
        try writeAudio(h, to: folder.file("true-stereo.wav"))
        let result = try sfconv("reverb", folder.file("in.wav"), folder.file("true-stereo.wav"), folder.file("out.wav"),
                                "--no-normalize-ir", "--dry", "0", "--wet", "1")
        #expect(result.status == 0, "\(result.standardError)")
        let out = try readAudio(folder.file("out.wav"))
        #expect(out.channelCount == 2)
        let x = try readAudio(folder.file("in.wav")).channels[0]
        let left = directConvolution(x, zip(h[0], h[2]).map(+)), right = directConvolution(x, zip(h[1], h[3]).map(+))
        #expect(maximumError(out.channels[0], left).error < 1e-5 && maximumError(out.channels[1], right).error < 1e-5)
        // convolve keeps its exact rule: a mono input and a 4-channel kernel give 4 channels.
        #expect(try sfconv("convolve", folder.file("in.wav"), folder.file("true-stereo.wav"), folder.file("four.wav")).status == 0)
        #expect(try readAudio(folder.file("four.wav")).channelCount == 4)
    }

    @Test func channelsTrimAndPadFromTheCommandLineAndChains() throws {
        let mono = try sfconv("reverb", folder.file("stereo.wav"), folder.file("ir.wav"), folder.file("mono.wav"), "--channels", "mono")
        let monoChannels = try readAudio(folder.file("mono.wav")).channelCount
        #expect(mono.status == 0 && monoChannels == 1, "\(mono.standardError)")
        let chained = try sfconv("apply", folder.file("stereo.wav"), folder.file("cut.wav"), "--chain",
                                 "trim:start=100f:end=0.05,pad:before=10ms:after=20f,channels:pick=2")
        #expect(chained.status == 0, "\(chained.standardError)")
        let cut = try readAudio(folder.file("cut.wav")), input = try readAudio(folder.file("stereo.wav"))
        #expect(cut.channelCount == 1 && cut.frameCount == 480 + (2400 - 100) + 20)
        #expect(Array(cut.channels[0][480..<(480 + 2300)]) == Array(input.channels[1][100..<2400]))
        let shorthand = try sfconv("apply", folder.file("stereo.wav"), folder.file("short.wav"), "--chain", "channels:mono")
        let shortChannels = try readAudio(folder.file("short.wav")).channelCount
        #expect(shorthand.status == 0 && shortChannels == 1, "\(shorthand.standardError)")
        let dryRun = try sfconv("apply", folder.file("stereo.wav"), folder.file("x.wav"), "--chain", "trim:start=100f:end=0.05,pad:before=10ms:after=20f", "--dry-run")
        #expect(dryRun.standardOutput.contains("output: \(folder.file("x.wav")), WAV (Microsoft), 32 bit float, 2800 frames"), "\(dryRun.standardOutput)")
    }
}
