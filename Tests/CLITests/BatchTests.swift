import Foundation
import SFConv
import SFConvTestSupport
import Testing

/// `sfconv batch` over a nested folder of good, corrupt and non-audio files.
@Suite struct BatchTests {
    let folder: TemporaryFolder
    var input: String { folder.file("in") }
    var output: String { folder.file("out") }
    static let goodFiles = ["a.wav", "b.flac", "sub/c.wav", "sub/deeper/d.wav", "sub/e.flac"]

    init() throws {
        folder = try TemporaryFolder()
        for directory in ["in/sub/deeper", "irs"] {
            try FileManager.default.createDirectory(atPath: folder.file(directory), withIntermediateDirectories: true)
        }
        var generator = SeededGenerator(seed: 31)
        for (index, name) in Self.goodFiles.enumerated() {
            let channels = index % 2 == 0 ? 1 : 2
            try writeAudio((0..<channels).map { _ in randomSignal(4800 + 1000 * index, using: &generator).map { $0 * 0.2 } },
                           rate: index == 3 ? 44100 : 48000, to: folder.file("in/\(name)"))
        }
        try "not audio at all".write(toFile: folder.file("in/sub/corrupt.wav"), atomically: true, encoding: .utf8)
        try "notes".write(toFile: folder.file("in/README.txt"), atomically: true, encoding: .utf8)
        try writeAudio([[1, 0.5, 0.25]], to: folder.file("irs/one.wav"))
        try writeAudio([[0.2, 0, -0.2, 0.1]], to: folder.file("irs/two.wav"))
        try writeAudio([[0.9]], to: folder.file("irs/three.wav"))
    }

    struct Report: Decodable {
        var files: [FileReport]
        var nonAudio: [String]
    }

    func report(_ path: String) throws -> Report {
        try JSONDecoder().decode(Report.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    @Test func goodFilesAreProcessedABadOneReportedAndTheExitIsNonZero() throws {
        let result = try sfconv("batch", input, output, "--preset", "telephone", "--recursive", "--report", folder.file("report.json"), "--jobs", "3")
        #expect(result.status != 0)
        #expect(result.standardError.contains("failed: cannot read as audio") && result.standardError.contains("ok 5   failed 1"))
        for name in Self.goodFiles {
            let out = try FileInfo.read(path: "\(output)/\(name)")
            let original = try FileInfo.read(path: "\(input)/\(name)")
            #expect(out.frames == original.frames && out.channels == original.channels && out.sampleRate == original.sampleRate)
            #expect(out.encoding == original.encoding && out.container == original.container)
        }
        #expect(!FileManager.default.fileExists(atPath: "\(output)/sub/corrupt.wav"))
        let document = try report(folder.file("report.json"))
        #expect(document.files.count == 6 && document.nonAudio == ["README.txt"])
        let failed = try #require(document.files.first { $0.status == .failed })
        #expect(failed.input.hasSuffix("sub/corrupt.wav") && failed.error?.contains("Format not recognised") == true)
        for file in document.files where file.status == .ok {
            #expect(file.durationIn != nil && file.durationOut == file.durationIn && file.peakDBFS != nil && file.clippedSamples == 0)
        }
    }

    @Test func withoutRecursionOnlyTheTopFolderAndGlobsFilter() throws {
        #expect(try sfconv("batch", input, output, "--chain", "gain:db=-6", "-q").status == 0)
        #expect(FileManager.default.fileExists(atPath: "\(output)/a.wav") && !FileManager.default.fileExists(atPath: "\(output)/sub"))
        let filtered = try sfconv("batch", input, folder.file("flac"), "--chain", "gain:db=-6", "--recursive", "--include", "*.flac", "-q")
        #expect(filtered.status == 0)
        let written = try FileManager.default.subpathsOfDirectory(atPath: folder.file("flac")).filter { $0.contains(".") }.sorted()
        #expect(written == ["b.flac", "sub/e.flac"])
    }

    @Test func skipExistingFinishesAPartialRunWithoutRedoingIt() throws {
        #expect(try sfconv("batch", input, output, "--chain", "gain:db=-3", "--recursive", "--exclude", "corrupt.wav", "--include", "a.wav", "-q").status == 0)
        let first = try Data(contentsOf: URL(fileURLWithPath: "\(output)/a.wav"))
        let attributes = try FileManager.default.attributesOfItem(atPath: "\(output)/a.wav")
        let again = try sfconv("batch", input, output, "--chain", "gain:db=-3", "--recursive", "--exclude", "corrupt.wav",
                               "--skip-existing", "--report", folder.file("r.json"), "-q")
        #expect(again.status == 0, "\(again.standardError)")
        let document = try report(folder.file("r.json"))
        #expect(document.files.filter { $0.status == .skipped }.map { URL(fileURLWithPath: $0.output).lastPathComponent } == ["a.wav"])
        #expect(document.files.filter { $0.status == .ok }.count == 4)
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(output)/a.wav")) == first)
        #expect(try FileManager.default.attributesOfItem(atPath: "\(output)/a.wav")[.modificationDate] as? Date == attributes[.modificationDate] as? Date)
        // Without --skip-existing or --force, existing outputs are failures, not overwritten.
        let refused = try sfconv("batch", input, output, "--chain", "gain:db=-3", "--include", "a.wav", "-q")
        #expect(refused.status != 0 && refused.standardError.contains("output file exists"))
    }

    @Test(arguments: [2, 3, 5])
    func shardsCoverEveryFileExactlyOnce(count: Int) throws {
        var seen: [String] = []
        for index in 0..<count {
            let path = folder.file("shard\(count)-\(index).json")
            let result = try sfconv("batch", input, folder.file("shards\(count)"), "--chain", "gain:db=-1", "--recursive",
                                    "--exclude", "corrupt.wav", "--shard", "\(index)/\(count)", "--report", path, "-q")
            #expect(result.status == 0, "\(result.standardError)")
            seen += try report(path).files.map(\.input)
        }
        #expect(seen.count == Self.goodFiles.count && Set(seen).count == Self.goodFiles.count)
    }

    @Test func shardAutoReadsKubernetesAndSlurm() throws {
        var fromKubernetes: [String] = [], fromSlurm: [String] = []
        for index in 0..<3 {
            let k8s = folder.file("k\(index).json"), slurm = folder.file("s\(index).json")
            #expect(try sfconv(["batch", input, folder.file("k"), "--chain", "gain:db=-1", "--recursive", "--exclude", "corrupt.wav",
                                "--shard", "auto", "--shard-count", "3", "--report", k8s, "-q"],
                               environment: ["JOB_COMPLETION_INDEX": "\(index)"]).status == 0)
            #expect(try sfconv(["batch", input, folder.file("s"), "--chain", "gain:db=-1", "--recursive", "--exclude", "corrupt.wav",
                                "--shard", "auto", "--report", slurm, "-q"],
                               environment: ["SLURM_ARRAY_TASK_ID": "\(index + 1)", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_COUNT": "3"]).status == 0)
            fromKubernetes.append(contentsOf: try report(k8s).files.map(\.input))
            fromSlurm.append(contentsOf: try report(slurm).files.map(\.input))
        }
        #expect(fromKubernetes == fromSlurm && Set(fromKubernetes).count == Self.goodFiles.count && fromKubernetes.count == Self.goodFiles.count)
        let missing = try sfconv("batch", input, folder.file("x"), "--chain", "gain:db=-1", "--shard", "auto")
        #expect(missing.status != 0 && missing.errorLines.first?.contains("found neither JOB_COMPLETION_INDEX") == true)
    }

    @Test func sameSeedSameImpulseChoiceAcrossRunsAndShardCounts() throws {
        func choices(seed: String, shards: Int, tag: String) throws -> [String: String] {
            var result: [String: String] = [:]
            for index in 0..<shards {
                let path = folder.file("aug-\(tag)-\(index).json")
                let run = try sfconv("batch", input, folder.file("aug-\(tag)"), "--impulse-dir", folder.file("irs"), "--random-impulse",
                                     "--seed", seed, "--wet-range", "0.1:0.5", "--recursive", "--exclude", "corrupt.wav",
                                     "--shard", "\(index)/\(shards)", "--report", path, "-q")
                #expect(run.status == 0, "\(run.standardError)")
                for file in try report(path).files {
                    let wet = try #require(file.wet)
                    #expect(wet >= 0.1 && wet <= 0.5)
                    result[file.input] = "\(URL(fileURLWithPath: file.impulse!).lastPathComponent) \(wet)"
                }
            }
            return result
        }
        let one = try choices(seed: "7", shards: 1, tag: "a")
        #expect(one.count == Self.goodFiles.count)
        #expect(try choices(seed: "7", shards: 1, tag: "b") == one)
        #expect(try choices(seed: "7", shards: 3, tag: "c") == one)
        #expect(try choices(seed: "8", shards: 1, tag: "d") != one)
        // Augmentation keeps the input's length; --length full keeps the chosen IR's tail.
        #expect(try FileInfo.read(path: folder.file("aug-a/a.wav")).frames == 4800)
        let full = try sfconv("batch", input, folder.file("aug-full"), "--impulse-dir", folder.file("irs"), "--random-impulse",
                              "--seed", "7", "--length", "full", "--align", "none", "--include", "a.wav", "-q")
        #expect(full.status == 0, "\(full.standardError)")
        #expect(try FileInfo.read(path: folder.file("aug-full/a.wav")).frames > 4800)
    }
}
