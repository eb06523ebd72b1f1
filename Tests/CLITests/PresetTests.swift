import Foundation
import SFConv
import SFConvTestSupport
import Testing

/// Presets, inline chains and `sfconv apply`.
@Suite struct PresetTests {
    let folder: TemporaryFolder
    init() throws {
        folder = try TemporaryFolder()
        var generator = SeededGenerator(seed: 21)
        let left = randomSignal(24000, using: &generator).map { $0 * 0.3 }
        let right = randomSignal(24000, using: &generator).map { $0 * 0.3 }
        try writeAudio([left, right], to: folder.file("in.wav"))
    }

    /// Writes a preset into the temporary folder and returns its path.
    func preset(_ name: String, _ text: String) throws -> String {
        let path = folder.file(name)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static let shipped = ["vocal-hall", "small-room", "plate", "telephone", "lowpass-8k", "ct-ramp", "warm-eq"]

    @Test(arguments: shipped)
    func everyShippedPresetLoadsAndRuns(name: String) throws {
        let listed = try sfconv("presets", "list")
        #expect(listed.standardOutput.contains(name) && !listed.standardOutput.contains("does not load"))
        let out = folder.file("\(name).wav")
        let result = try sfconv("apply", folder.file("in.wav"), out, "--preset", name)
        #expect(result.status == 0, "\(result.standardError)")
        let y = try readAudio(out)
        #expect(y.frameCount >= 24000 && y.channelCount == 2)
        #expect(y.channels.allSatisfy { $0.allSatisfy(\.isFinite) } && y.channels[0].contains { $0 != 0 })
    }

    @Test func aChainEqualsItsStepsRunOneAfterAnother() throws {
        try writeAudio([[0.5, 0.25, -0.25, 0.1]], to: folder.file("k.wav"))
        let chained = try sfconv("apply", folder.file("in.wav"), folder.file("chain.wav"), "--chain",
                                 "gain:db=-6,lowpass:cutoff=5000:taps=101,convolve:kernel=\(folder.file("k.wav"))", "--subtype", "float")
        #expect(chained.status == 0, "\(chained.standardError)")
        #expect(try sfconv("apply", folder.file("in.wav"), folder.file("s1.wav"), "--chain", "gain:db=-6").status == 0)
        #expect(try sfconv("filter", folder.file("s1.wav"), folder.file("s2.wav"), "lowpass", "--cutoff", "5000", "--taps", "101").status == 0)
        #expect(try sfconv("convolve", folder.file("s2.wav"), folder.file("k.wav"), folder.file("s3.wav")).status == 0)
        let a = try readAudio(folder.file("chain.wav")), b = try readAudio(folder.file("s3.wav"))
        #expect(a.frameCount == 24000 + 3 && a.frameCount == b.frameCount)
        for c in 0..<2 {
            #expect(maximumError(a.channels[c], b.channels[c].map { Double($0) }).error < 1e-6)
        }
    }

    @Test func inlineAndFileChainsGiveIdenticalOutput() throws {
        let path = try preset("same.toml", """
            [[effect]]
            type = "highpass"
            cutoff = 200
            taps = 255

            [[effect]]
            type = "reverb"
            impulse = "small-room.flac"
            wet = 0.3
            predelay = 5

            [[effect]]
            type = "delay"
            ms = 10

            [[effect]]
            type = "eq"
            points = "100:+2,3000:-1.5"
            taps = 511
            """)
        #expect(try sfconv("apply", folder.file("in.wav"), folder.file("file.wav"), "--preset", path).status == 0)
        let inline = try sfconv("apply", folder.file("in.wav"), folder.file("inline.wav"), "--chain",
                                "highpass:cutoff=200:taps=255,reverb:impulse=small-room.flac:wet=0.3:predelay=5,delay:ms=10,eq:points=100/+2;3000/-1.5:taps=511")
        #expect(inline.status == 0, "\(inline.standardError)")
        let a = try readAudio(folder.file("file.wav")), b = try readAudio(folder.file("inline.wav"))
        #expect(a == b)
        // Output length: the input, plus the delay, plus the reverb's tail (the IR and its predelay).
        let ir = try FileInfo.read(path: ShippedImpulses.path("small-room.flac"))
        #expect(a.frameCount == 24000 + 480 + (ir.frames + 240 - 1))
    }

    @Test func dryRunPrintsTheResolvedChainAndWritesNothing() throws {
        let result = try sfconv("apply", folder.file("in.wav"), folder.file("out.wav"), "--preset", "vocal-hall", "--dry-run")
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("1. highpass") && result.standardOutput.contains("removes") && result.standardOutput.contains("tail"))
        #expect(result.standardOutput.contains("Signed 24 bit PCM"))
        #expect(!FileManager.default.fileExists(atPath: folder.file("out.wav")))
    }

    /// Each kind of preset error: one line naming the file, the line, the key path, what was
    /// expected and what was found; nothing written.
    @Test(arguments: [
        ("[[effect]]\ntype = \"gain\"\ndb = \n", "syntax.toml:3:", "TOML syntax"),
        ("[[effect]]\ntype = \"gain\"\ndb = -1\n\n[[effect]]\ntype = \"lowpass\"\ncutof = 1000\n", "unknown.toml:7: effect[2].cutof: unknown key 'cutof' for lowpass (did you mean 'cutoff'?)", ""),
        ("[[effect]]\ntype = \"lowpas\"\ncutoff = 1000\n", "badtype.toml:2: effect[1].type: unknown effect type 'lowpas' (did you mean 'lowpass'?)", ""),
        ("[[effect]]\ntype = \"lowpass\"\ncutoff = \"high\"\n", "wrongtype.toml:3: effect[1].cutoff: expected a frequency in Hz above 0, found the string \"high\"", ""),
        ("[[effect]]\ntype = \"lowpass\"\ncutoff = 1000\ntaps = -5\n", "negative.toml:4: effect[1].taps: expected a whole number of taps", "found -5"),
        ("[[effect]]\ntype = \"lowpass\"\ncutoff = 30000\n", "nyquist.toml:3: effect[1].cutoff:", "below half the rate (24000 Hz)"),
        ("[[effect]]\ntype = \"reverb\"\nimpulse = \"hall.flac\"\nwet = 5\n", "wet.toml:4: effect[1].wet: expected a linear gain from 0 to 4", "found the integer 5"),
        ("[[effect]]\ntype = \"reverb\"\nimpulse = \"nowhere.flac\"\n", "missing.toml:3: effect[1].impulse: 'nowhere.flac' not found; looked in", "/impulses"),
        ("[[effect]]\ntype = \"normalize\"\n\n[[effect]]\ntype = \"gain\"\ndb = 1\n", "normalize.toml:2: effect[1].type: normalize must be the last effect", ""),
        ("name = \"x\"\ncolour = \"red\"\n[[effect]]\ntype = \"gain\"\ndb = 1\n", "root.toml:2: colour: unknown key", ""),
    ])
    func presetErrorsNameTheLineAndTheKey(text: String, expected: String, alsoContains: String) throws {
        let name = String(expected.prefix { $0 != ":" })
        let path = try preset(name, text)
        let result = try sfconv("apply", folder.file("in.wav"), folder.file("out.wav"), "--preset", path)
        #expect(result.status != 0)
        #expect(result.errorLines.count == 1, "\(result.standardError)")
        let line = result.errorLines.first ?? ""
        #expect(line.hasPrefix("error: \(folder.path)/\(expected)"), "\(line)")
        #expect(alsoContains.isEmpty || line.contains(alsoContains), "\(line)")
        #expect(!FileManager.default.fileExists(atPath: folder.file("out.wav")))
        if !name.hasPrefix("nyquist") && !name.hasPrefix("missing") {
            let check = try sfconv("presets", "check", path)
            #expect(check.status != 0 && check.errorLines.first == line)
        }
    }

    @Test func inlineChainErrorsPointAtTheOffendingPart() throws {
        let result = try sfconv("apply", folder.file("in.wav"), folder.file("out.wav"), "--chain", "gain:db=-3,highpass:cutof=90")
        #expect(result.status != 0)
        #expect(result.errorLines == ["error: --chain \"gain:db=-3,highpass:cutof=90\": effect 2 'highpass:cutof=90', key 'cutof': unknown key 'cutof' for highpass (did you mean 'cutoff'?); expected one of cutoff, taps, window, beta, transition, attenuation, minimum_phase, keep_delay"])
        let malformed = try sfconv("apply", folder.file("in.wav"), folder.file("out.wav"), "--chain", "gain:db")
        #expect(malformed.errorLines.first?.contains("effect 1 'gain:db': 'db' is not key=value") == true)
        let neither = try sfconv("apply", folder.file("in.wav"), folder.file("out.wav"))
        #expect(neither.status != 0 && neither.errorLines.first?.contains("exactly one of --preset and --chain") == true)
    }

    @Test func presetsAreFoundInTheUserConfigFolderAndShown() throws {
        let config = folder.file("config")
        try FileManager.default.createDirectory(atPath: config + "/sfconv/presets", withIntermediateDirectories: true)
        try "description = \"mine\"\n[[effect]]\ntype = \"gain\"\ndb = -20\n".write(toFile: config + "/sfconv/presets/quiet.toml", atomically: true, encoding: .utf8)
        let environment = ["XDG_CONFIG_HOME": config]
        let listed = try sfconv(["presets", "list"], environment: environment)
        #expect(listed.standardOutput.contains("quiet") && listed.standardOutput.contains("mine"))
        #expect(try sfconv(["apply", folder.file("in.wav"), folder.file("q.wav"), "--preset", "quiet"], environment: environment).status == 0)
        let shown = try sfconv(["presets", "show", "telephone"])
        #expect(shown.status == 0 && shown.standardOutput.contains("bandpass") && shown.standardOutput.contains("presets/telephone.toml"))
        let unknown = try sfconv("apply", folder.file("in.wav"), folder.file("u.wav"), "--preset", "telephon")
        #expect(unknown.errorLines.first?.contains("no preset named 'telephon' (did you mean 'telephone'?)") == true)
    }

    @Test func designFromAPresetOfOneFilter() throws {
        let result = try sfconv("design", "--preset", "lowpass-8k", "-o", folder.file("k.wav"))
        #expect(result.status == 0, "\(result.standardError)")
        var spec = FilterSpec(type: .lowpass)
        spec.cutoff = 8000
        spec.transition = 1000
        spec.attenuation = 80
        let expected = try spec.design().coefficients
        #expect(maximumError(try readAudio(folder.file("k.wav")).channels[0], expected).error < 1e-7)
        let notAFilter = try sfconv("design", "--preset", "vocal-hall", "--print")
        #expect(notAFilter.status != 0 && notAFilter.errorLines.first?.contains("one filter effect") == true)
    }

    @Test func normalizeAsTheLastEffect() throws {
        #expect(try sfconv("apply", folder.file("in.wav"), folder.file("n.wav"), "--chain", "gain:db=-20,normalize:db=-2").status == 0)
        #expect(abs((try FileInfo.read(path: folder.file("n.wav")).peakDBFS ?? 0) + 2) < 0.01)
    }
}

enum ShippedImpulses {
    static func path(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("impulses/\(name)").path
    }
}
