import Foundation
import SFConv
import SFConvTestSupport
import Testing

/// Inputs that can be read once, standard output, and outputs that race.
@Suite struct PipeAndRaceTests {
    let folder: TemporaryFolder
    var rng = SeededGenerator(seed: 21)

    init() throws {
        folder = try TemporaryFolder()
        try writeAudio([randomSignal(48000, using: &rng).map { $0 / 2 }], to: folder.file("in.wav"))
        try writeAudio([[1, 0.5, 0.25]], to: folder.file("k.wav"))
    }

    /// Runs a shell line in the folder with `$SFCONV` set to the binary and a temporary folder of its own.
    func shell(_ line: String) throws -> RunResult {
        try FileManager.default.createDirectory(atPath: folder.file("tmp"), withIntermediateDirectories: true)
        return try runProcess("/bin/sh", ["-c", line], in: folder, environment: ["SFCONV": sfconvBinary, "TMPDIR": folder.file("tmp")])
    }

    @Test(arguments: ["wav", "flac", "aiff"])
    func standardInputAndPipesAreReadWhole(container: String) throws {
        #expect(try sfconv("apply", folder.file("in.wav"), folder.file("src.\(container)"), "--chain", "gain:db=0", "--subtype", "pcm24").status == 0)
        let piped = try shell("cat src.\(container) | \"$SFCONV\" apply - out.wav --chain gain:db=0")
        #expect(piped.status == 0 && piped.standardError.isEmpty, "\(piped.standardError)")
        #expect(try readAudio(folder.file("out.wav")).frameCount == 48000)
        try FileManager.default.removeItem(atPath: folder.file("out.wav"))
        let fifo = try shell("mkfifo f.\(container) && (cat src.\(container) > f.\(container) &) && \"$SFCONV\" reverb f.\(container) k.wav out.wav --wet 0")
        #expect(fifo.status == 0 && !fifo.standardError.contains("warning"), "\(fifo.standardError)")
        #expect(try readAudio(folder.file("out.wav")).frameCount == 48000 + 2)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.file("tmp"))
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    @Test func standardOutputNeedsAFormatAndGetsTheWholeFile() throws {
        let result = try shell("\"$SFCONV\" convolve in.wav k.wav - --format wav > out.wav")
        #expect(result.status == 0, "\(result.standardError)")
        #expect(try readAudio(folder.file("out.wav")).frameCount == 48002)
        let normalized = try shell("\"$SFCONV\" apply in.wav - --format flac --chain gain:db=0,normalize:db=-3 > n.flac")
        #expect(normalized.status == 0, "\(normalized.standardError)")
        #expect(try readAudio(folder.file("n.flac")).frameCount == 48000)
        let missing = try shell("\"$SFCONV\" convolve in.wav k.wav - > x.wav")
        #expect(missing.status == 1 && missing.standardError.contains("needs --format"), "\(missing.standardError)")
    }

    /// A container whose header runs past the first megabyte (a WAV with a large JUNK chunk, an
    /// MP3 with a cover image) is read whole, not refused by the early check.
    @Test func aLongHeaderOnStandardInputIsRead() throws {
        let wav = try Data(contentsOf: URL(fileURLWithPath: folder.file("in.wav")))
        var chunk = Data("JUNK".utf8)
        chunk.append(le32(1_500_000))
        chunk.append(Data(count: 1_500_000))
        var file = Data("RIFF".utf8)
        file.append(le32(UInt32(4 + chunk.count + wav.count - 12)))
        file.append(Data("WAVE".utf8))
        file.append(chunk)
        file.append(wav.dropFirst(12))
        try file.write(to: URL(fileURLWithPath: folder.file("junk.wav")))
        let result = try shell("cat junk.wav | \"$SFCONV\" apply - out.wav --chain gain:db=0")
        #expect(result.status == 0, "\(result.standardError)")
        #expect(try readAudio(folder.file("out.wav")).frameCount == 48000)
    }

    @Test func garbageOnStandardInputIsRefusedWithoutReadingItAll() throws {
        // An endless source: refused after its first megabyte, not read to the end.
        let started = Date()
        let zeros = try shell("cat /dev/zero | \"$SFCONV\" apply - out.wav --chain gain:db=0")
        #expect(zeros.status == 1 && zeros.standardError.contains("cannot read as audio") && zeros.standardError.contains("standard input"),
                "\(zeros.standardError)")
        #expect(Date().timeIntervalSince(started) < 30)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.file("tmp")).isEmpty)
        let empty = try shell("\"$SFCONV\" apply - out.wav --chain gain:db=0 < /dev/null")
        #expect(empty.status == 1 && empty.standardError.contains("empty"), "\(empty.standardError)")
        #expect(!FileManager.default.fileExists(atPath: folder.file("out.wav")))
    }

    /// Without --force, of several runs writing the same new output exactly one wins; the others
    /// fail with "exists" and nothing is replaced.
    @Test func racingRunsNeverReplaceEachOther() throws {
        var generator = SeededGenerator(seed: 5)
        try writeAudio([randomSignal(48000 * 20, using: &generator).map { $0 / 2 }], to: folder.file("long.wav"))
        let runs = (0..<4).map { _ in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: sfconvBinary)
            process.arguments = ["convolve", folder.file("long.wav"), folder.file("k.wav"), folder.file("race.wav"), "--quiet"]
            process.standardError = Pipe()
            return process
        }
        for process in runs { try process.run() }
        var errors: [String] = []
        for process in runs {
            let data = (process.standardError as! Pipe).fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            errors.append(String(decoding: data, as: UTF8.self))
        }
        let codes = runs.map(\.terminationStatus)
        #expect(codes.filter { $0 == 0 }.count == 1, "\(codes) \(errors)")
        #expect(zip(codes, errors).allSatisfy { $0 == 0 || $1.contains("output file exists") }, "\(errors)")
        #expect(try readAudio(folder.file("race.wav")).frameCount == 48000 * 20 + 2)
        #expect(!folder.contents().contains { $0.hasSuffix(".tmp") })
    }

    @Test func specialFilesAreNeverReplaced() throws {
        let result = try shell("mkfifo out.wav && \"$SFCONV\" convolve in.wav k.wav out.wav --force")
        #expect(result.status == 1 && result.standardError.contains("not a regular file"), "\(result.standardError)")
        var status = stat()
        #expect(stat(folder.file("out.wav"), &status) == 0 && status.st_mode & S_IFMT == S_IFIFO)
    }

    /// A name that is not UTF-8 would reach Swift with its bad bytes replaced: refused by name,
    /// never written under another name, never skipped in silence.
    @Test func fileNamesThatAreNotUTF8AreRefusedNotRenamed() throws {
        try FileManager.default.createDirectory(atPath: folder.file("corpus"), withIntermediateDirectories: true)
        let made = try shell("cp in.wav \"corpus/$(printf 'caf\\351.wav')\" && cp in.wav corpus/ok.wav")
        try #require(made.status == 0, "\(made.standardError)")
        let single = try shell("\"$SFCONV\" convolve in.wav k.wav \"$(printf 'out\\351.wav')\"")
        #expect(single.status == 1 && single.standardError.contains("not valid UTF-8: out\\xe9.wav"), "\(single.standardError)")
        let batch = try sfconv(["batch", "corpus", "out", "--chain", "gain:db=0"], in: folder)
        #expect(batch.status == 1 && batch.standardError.contains("caf\\xe9.wav") && batch.standardError.contains("ok 1   failed 1"),
                "\(batch.standardError)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.file("out")) == ["ok.wav"])
    }

    @Test func eightBitWAVIsWrittenAndRead() throws {
        let result = try sfconv("convolve", folder.file("in.wav"), folder.file("k.wav"), folder.file("o8.wav"), "--subtype", "pcm8")
        #expect(result.status == 0, "\(result.standardError)")
        let back = try sfconv("convolve", folder.file("o8.wav"), folder.file("k.wav"), folder.file("o8b.wav"))
        #expect(back.status == 0, "\(back.standardError)")
    }

    @Test func absurdHeadersAreRefused() throws {
        // A valid 44-byte WAV header claiming 2^31 − 1 Hz, then a few frames.
        var header = Data("RIFF".utf8) + le32(36 + 8) + Data("WAVEfmt ".utf8) + le32(16) + le16(1) + le16(1)
        header += le32(0x7FFF_FFFF) + le32(0x7FFF_FFFF) + le16(1) + le16(8) + Data("data".utf8) + le32(8) + Data(repeating: 128, count: 8)
        try header.write(to: URL(fileURLWithPath: folder.file("fast.wav")))
        let result = try sfconv("reverb", folder.file("fast.wav"), folder.file("k.wav"), folder.file("o.wav"), "--predelay", "10000")
        #expect(result.status == 1 && result.standardError.contains("2147483647 Hz"), "\(result.standardError)")
        #expect(!FileManager.default.fileExists(atPath: folder.file("o.wav")))
    }

    func le32(_ value: UInt32) -> Data { withUnsafeBytes(of: value.littleEndian) { Data($0) } }
    func le16(_ value: UInt16) -> Data { withUnsafeBytes(of: value.littleEndian) { Data($0) } }
}
