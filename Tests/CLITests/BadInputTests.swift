import Foundation
import SFConv
import SFConvTestSupport
import Testing

/// Each bad input gets exactly one `error: <what> (<path>)` line, a non-zero exit, and no output.
@Suite struct BadInputTests {
    let folder: TemporaryFolder
    var input: String { folder.file("in.wav") }
    var kernel: String { folder.file("k.wav") }
    var output: String { folder.file("out.wav") }

    init() throws {
        folder = try TemporaryFolder()
        try writeAudio([[0.5, 0.25, 0, -0.25], [0.1, 0.2, 0.3, 0.4]], to: folder.file("in.wav"))
        try writeAudio([[1, 0.5]], to: folder.file("k.wav"))
    }

    /// Runs convolve and checks the failure's shape; returns the error line.
    @discardableResult
    func expectFailure(_ arguments: [String], mentions fragment: String, path: String?, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let result = try sfconv(arguments)
        #expect(result.status != 0, sourceLocation: sourceLocation)
        #expect(result.errorLines.count == 1, "\(result.standardError)", sourceLocation: sourceLocation)
        let line = result.errorLines.first ?? ""
        #expect(line.hasPrefix("error: "), "\(line)", sourceLocation: sourceLocation)
        #expect(line.contains(fragment), "\(line)", sourceLocation: sourceLocation)
        if let path { #expect(line.hasSuffix("(\(path))"), "\(line)", sourceLocation: sourceLocation) }
        #expect(!line.contains("Fatal error") && !line.contains("Stack"), sourceLocation: sourceLocation)
        #expect(!FileManager.default.fileExists(atPath: output), "output left behind", sourceLocation: sourceLocation)
        #expect(!folder.contents().contains { $0.hasSuffix(".tmp") }, "temporary file left behind", sourceLocation: sourceLocation)
        return line
    }

    @Test func missingInput() throws {
        try expectFailure(["convolve", folder.file("nope.wav"), kernel, output], mentions: "no such file", path: folder.file("nope.wav"))
    }

    @Test func missingKernel() throws {
        try expectFailure(["convolve", input, folder.file("nope.wav"), output], mentions: "no such file", path: folder.file("nope.wav"))
    }

    @Test func directoryAsInput() throws {
        try expectFailure(["convolve", folder.path, kernel, output], mentions: "is a directory", path: folder.path)
    }

    @Test func textFileIsNotAudio() throws {
        let text = folder.file("notes.wav")
        try "this is not audio\n".write(toFile: text, atomically: true, encoding: .utf8)
        try expectFailure(["convolve", text, kernel, output], mentions: "cannot read as audio", path: text)
    }

    @Test func zeroByteFile() throws {
        let empty = folder.file("empty.wav")
        FileManager.default.createFile(atPath: empty, contents: Data())
        try expectFailure(["convolve", empty, kernel, output], mentions: "file is empty", path: empty)
    }

    @Test func fileCutInsideItsHeader() throws {
        let cut = folder.file("cut.wav")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: input))
        try bytes.prefix(30).write(to: URL(fileURLWithPath: cut))
        try expectFailure(["convolve", cut, kernel, output], mentions: "cannot read as audio", path: cut)
    }

    @Test func kernelWithNoFrames() throws {
        let empty = folder.file("zero.wav")
        let writer = try SoundFileWriter(path: empty, format: OutputOptions().format(for: empty, input: nil), channelCount: 1, sampleRate: 48000, overwrite: false)
        try writer.commit()
        try expectFailure(["convolve", input, empty, output], mentions: "kernel has no frames", path: empty)
    }

    @Test(arguments: [Sample.nan, Sample.infinity])
    func nonFiniteSamples(value: Sample) throws {
        let bad = folder.file("nan.wav")
        try writeAudio([[0.1, 0.2, value, 0.3]], to: bad, subtype: .float)
        try expectFailure(["convolve", bad, kernel, output], mentions: "sample at frame 2, channel 1", path: bad)
        try expectFailure(["convolve", input, bad, output], mentions: "sample at frame 2", path: bad)
    }

    @Test func unknownMode() throws {
        try expectFailure(["convolve", input, kernel, output, "--mode", "circular"], mentions: "circular", path: nil)
    }

    @Test func channelMismatchNamesBothCounts() throws {
        let threeChannels = folder.file("k3.wav")
        try writeAudio([[1], [1], [1]], to: threeChannels)
        let line = try expectFailure(["convolve", input, threeChannels, output], mentions: "3-channel kernel", path: input)
        #expect(line.contains("2-channel input"))
    }

    @Test func unknownOutputExtension() throws {
        try expectFailure(["convolve", input, kernel, folder.file("out.xyz")], mentions: "unknown output extension '.xyz'", path: folder.file("out.xyz"))
    }

    @Test func missingOutputFolder() throws {
        let path = folder.file("no/such/folder/out.wav")
        try expectFailure(["convolve", input, kernel, path], mentions: "output folder does not exist", path: path)
    }

    @Test func existingOutputIsRefusedWithoutForceAndKeptIntact() throws {
        try "precious".write(toFile: output, atomically: true, encoding: .utf8)
        let result = try sfconv("convolve", input, kernel, output)
        #expect(result.status != 0)
        #expect(result.errorLines == ["error: output file exists; use --force to overwrite it (\(output))"])
        #expect(try String(contentsOfFile: output, encoding: .utf8) == "precious")

        #expect(try sfconv("convolve", input, kernel, output, "--force").status == 0)
        #expect(try readAudio(output).frameCount == 5)
    }

    @Test func failureMidwayLeavesTheOldOutputAndNoTemporaryFile() throws {
        // A long input whose last block holds a NaN: output has been written before the error.
        var left = [Sample](repeating: 0.1, count: 300_000)
        left[299_000] = .nan
        let bad = folder.file("late-nan.wav")
        try writeAudio([left], to: bad, subtype: .float)
        try "precious".write(toFile: output, atomically: true, encoding: .utf8)
        let result = try sfconv("convolve", bad, kernel, output, "--force")
        #expect(result.status != 0)
        #expect(result.errorLines.first?.contains("NaN sample at frame 299000") == true)
        #expect(try String(contentsOfFile: output, encoding: .utf8) == "precious")
        #expect(!folder.contents().contains { $0.hasSuffix(".tmp") })
    }

    @Test func inputAndOutputMayBeTheSameFile() throws {
        #expect(try sfconv("convolve", input, kernel, input, "--force").status == 0)
        let y = try readAudio(input)
        #expect(y.frameCount == 5)
        #expect(maximumError(y.channels[0], [0.5, 0.5, 0.125, -0.25, -0.125]).error < 1e-6)
    }

    @Test func truncatedDataWarnsAndProcessesTheReadablePart() throws {
        let long = folder.file("long.wav")
        try writeAudio([[Sample](repeating: 0.25, count: 1000)], to: long, subtype: .pcm16)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: long))
        let cut = folder.file("cut-data.wav")
        try bytes.prefix(bytes.count - 600).write(to: URL(fileURLWithPath: cut))
        let result = try sfconv("convolve", cut, kernel, output)
        #expect(result.status == 0)
        #expect(result.errorLines.count == 1)
        #expect(result.errorLines.first?.hasPrefix("warning: file ends after 700 of the 1000 frames") == true, "\(result.standardError)")
        #expect(try readAudio(output).frameCount == 701)
    }

    @Test func interruptedRunLeavesNothing() throws {
        var generator = SeededGenerator(seed: 3)
        let big = folder.file("big.wav")
        try writeAudio([randomSignal(48000 * 120, using: &generator)], to: big)
        try writeAudio([randomSignal(48000 * 4, using: &generator)], to: kernel)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: sfconvBinary)
        process.arguments = ["convolve", big, kernel, output, "--quiet"]
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait until the temporary output exists, then interrupt.
        var sawTemporary = false
        for _ in 0..<2000 where !sawTemporary {
            sawTemporary = folder.contents().contains { $0.hasSuffix(".tmp") }
            if !sawTemporary { usleep(5000) }
        }
        process.interrupt()
        process.waitUntilExit()
        #expect(sawTemporary)
        #expect(process.terminationReason == .exit && process.terminationStatus == 128 + SIGINT)
        #expect(!FileManager.default.fileExists(atPath: output))
        #expect(!folder.contents().contains { $0.hasSuffix(".tmp") }, "\(folder.contents())")
    }
}

/// A full disk: needs root to mount a tiny tmpfs; skipped where mounting is not allowed.
@Suite struct FullDiskTests {
    /// Every container: the FLAC and MP3 encoders do not report a failed write themselves.
    @Test(.enabled(if: getuid() == 0, "mounting a tmpfs needs root"), arguments: ["wav", "flac", "mp3", "ogg", "aiff", "caf"])
    func fullDiskLeavesNoPartialFileAndKeepsTheOldOutput(container: String) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let disk = folder.file("disk")
        try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
        let mount = Process()
        mount.executableURL = URL(fileURLWithPath: "/bin/mount")
        mount.arguments = ["-t", "tmpfs", "-o", "size=256k", "tmpfs", disk]
        mount.standardError = FileHandle.nullDevice
        try mount.run()
        mount.waitUntilExit()
        guard mount.terminationStatus == 0 else { return }  // not permitted here (a container without the capability)
        defer {
            let umount = Process()
            umount.executableURL = URL(fileURLWithPath: "/bin/umount")
            umount.arguments = [disk]
            try? umount.run()
            umount.waitUntilExit()
        }
        var generator = SeededGenerator(seed: 1)
        try writeAudio([randomSignal(1_440_000, using: &generator).map { $0 / 2 }], to: folder.file("in.wav"))
        try writeAudio([[1, 0.5]], to: folder.file("k.wav"))
        let output = disk + "/out.\(container)"
        try "precious".write(toFile: output, atomically: false, encoding: .utf8)
        let result = try sfconv("convolve", folder.file("in.wav"), folder.file("k.wav"), output, "--force")
        #expect(result.status != 0)
        #expect(result.errorLines.count == 1 && result.errorLines[0].contains("No space left on device"), "\(result.standardError)")
        #expect(try String(contentsOfFile: output, encoding: .utf8) == "precious")
        #expect(try FileManager.default.contentsOfDirectory(atPath: disk) == ["out.\(container)"])
    }
}
