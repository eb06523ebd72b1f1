import Foundation
import SFConv
import SFConvTestSupport
import Testing

/// Every command on every file of a hostile corpus (Tests/Hostile/make_corpus.py), in every
/// position a file can take: exit 0 with a readable output, or `error:` lines and exit 1; never a
/// signal, never a partial or stray file, always within the time limit.
@Suite struct HostileCorpusTests {
    @Test func everyCommandOnEveryHostileFile() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var rng = SeededGenerator(seed: 4)
        try writeAudio([randomSignal(4800, using: &rng).map { $0 / 4 }], to: folder.file("in.wav"))
        try writeAudio([[1, 0.5, 0.25]], to: folder.file("k.wav"))
        #expect(try sfconv("generate", "sine", folder.file("seed.flac"), "--duration", "0.05", "--subtype", "pcm16").status == 0)
        let corpus = folder.file("corpus")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Hostile/make_corpus.py").path
        let made = try runProcess("/usr/bin/env", ["python3", script, corpus, folder.file("seed.flac")])
        try #require(made.status == 0, "\(made.standardError)")
        let names = try FileManager.default.contentsOfDirectory(atPath: corpus).sorted()
        #expect(names.count > 100)
        var outcomes: [String: Int] = [:]
        for name in names {
            let file = corpus + "/" + name
            try "[[effect]]\ntype = \"reverb\"\nimpulse = \"corpus/\(name)\"\n".write(toFile: folder.file("p.toml"), atomically: true, encoding: .utf8)
            let runs: [[String]] = [
                ["info", file],
                ["convolve", file, "k.wav", "o.wav"],
                ["convolve", "in.wav", file, "o.wav"],
                ["reverb", "in.wav", file, "o.wav", "-q"],
                ["apply", file, "o.wav", "--chain", "gain:db=-1,lowpass:cutoff=1000:taps=31"],
                ["apply", "in.wav", "o.wav", "--preset", "p.toml", "-q"],
                ["presets", "check", "p.toml"],
            ]
            for arguments in runs {
                let result = try runProcess(sfconvBinary, arguments, in: folder, timeout: 20)
                let what = "\(arguments.prefix(2).joined(separator: " ")) … \(name)"
                #expect(result.status == 0 || result.status == 1, "\(what): status \(result.status) \(result.standardError)")
                #expect(!result.standardError.contains("Fatal error"), "\(what)")
                let errors = result.errorLines.filter { !$0.hasPrefix("warning: ") && !$0.hasPrefix("note: ") }
                if result.status == 1 {
                    #expect(!errors.isEmpty && errors.allSatisfy { $0.hasPrefix("error: ") }, "\(what): \(result.standardError)")
                } else {
                    #expect(errors.isEmpty, "\(what): \(result.standardError)")
                    if arguments.contains("o.wav") {
                        #expect(try sfconv("info", folder.file("o.wav")).status == 0, "\(what): the output does not read back")
                    }
                }
                outcomes["\(arguments[0]) \(result.status)", default: 0] += 1
                try? FileManager.default.removeItem(atPath: folder.file("o.wav"))
                let stray = folder.contents().filter { $0.hasPrefix(".") }
                #expect(stray.isEmpty, "\(what): left \(stray)")
            }
        }
        // Both answers occur for every command: the corpus holds good files as well as bad ones.
        for command in ["convolve", "reverb", "apply"] {
            #expect(outcomes["\(command) 0", default: 0] > 0 && outcomes["\(command) 1", default: 0] > 0, "\(outcomes)")
        }
    }
}
