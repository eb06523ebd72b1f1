import Foundation
import SFConv
import SFConvTestSupport
import Testing

/// Issue 13's targets, through the binary: bit-exact identity at every PCM width, correctly
/// rounded 24-bit output against a Double reference, `--precision` and the preset key.
@Suite struct PrecisionTests {
    /// Stereo PCM of `bits` bits: random whole steps over most of full scale (every bit in use).
    static func pcmNoise(bits: Int, frames: Int, seed: UInt64) -> [[Sample]] {
        var generator = SeededGenerator(seed: seed)
        let steps = Double(1 << (bits - 1))
        let range = Int64(steps * 0.9)
        return (0..<2).map { _ in (0..<frames).map { _ in Double(Int64.random(in: -range...range, using: &generator)) / steps } }
    }

    /// A one-tap unit impulse file, made by `generate impulse` (amplitude 1.0 by default).
    static func unitImpulse(in folder: TemporaryFolder) throws -> String {
        let path = folder.file("one.wav")
        let result = try sfconv("generate", "impulse", path, "--duration", "0.00002", "--rate", "48000")
        #expect(result.status == 0, "\(result.standardError)")
        #expect(try readAudio(path).channels == [[1]])
        return path
    }

    /// The samples of two files are equal (read as Double: exact for every PCM width) and so are their formats.
    static func expectIdentical(_ a: String, _ b: String) throws {
        let (x, y) = (try SoundFileReader(path: a), try SoundFileReader(path: b))
        #expect(x.format == y.format, "\(x.format.subtypeName) became \(y.format.subtypeName)")
        let (first, second) = (try readAudio(a), try readAudio(b))
        let differing = zip(first.channels.joined(), second.channels.joined()).filter { $0 != $1 }.count
        #expect(first.frameCount == second.frameCount && differing == 0, "\(differing) samples of \(b) differ from \(a)")
    }

    @Test(arguments: [("wav", SampleSubtype.pcm16), ("wav", .pcm24), ("wav", .pcm32), ("flac", .pcm16), ("flac", .pcm24)])
    func convolvingWithAUnitImpulseIsBitIdentical(container: String, subtype: SampleSubtype) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let input = folder.file("in.\(container)"), output = folder.file("out.\(container)")
        try writeAudio(Self.pcmNoise(bits: subtype.bitDepth, frames: 48000, seed: UInt64(subtype.bitDepth)), to: input, subtype: subtype)
        let result = try sfconv("convolve", input, try Self.unitImpulse(in: folder), output, "--quiet")
        #expect(result.status == 0, "\(result.standardError)")
        try Self.expectIdentical(input, output)
    }

    /// `apply` with a 0 dB gain: no convolution, and the writer's dither (on by default at 16 bits)
    /// leaves a stream already on the output grid alone.
    @Test(arguments: [SampleSubtype.pcm16, .pcm24, .pcm32])
    func aZeroDecibelChainIsBitIdentical(subtype: SampleSubtype) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let input = folder.file("in.wav"), output = folder.file("out.wav")
        try writeAudio(Self.pcmNoise(bits: subtype.bitDepth, frames: 20000, seed: 5), to: input, subtype: subtype)
        let result = try sfconv("apply", input, output, "--chain", "gain:db=0", "--quiet")
        #expect(result.status == 0, "\(result.standardError)")
        try Self.expectIdentical(input, output)
    }

    /// Every 24-bit output sample is the correctly rounded value of the exact convolution (within
    /// ½ LSB + 1e-3 LSB): `filter` with a designed 511-tap low-pass, and `convolve` with a 10 s kernel.
    @Test func twentyFourBitFilterOutputIsCorrectlyRounded() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let input = folder.file("in.wav"), output = folder.file("out.wav")
        try writeAudio(Self.pcmNoise(bits: 24, frames: 24000, seed: 11).map { $0.map { $0 * 0.5 } }, to: input, subtype: .pcm24)
        let x = try readAudio(input).channels
        let result = try sfconv("filter", input, output, "lowpass", "--cutoff", "3000", "--taps", "511", "--quiet")
        #expect(result.status == 0, "\(result.standardError)")
        // The same design the command makes, in Double.
        var spec = FilterSpec(type: .lowpass)
        spec.cutoff = 3000
        spec.taps = 511
        let taps = try spec.design().coefficients
        let y = try readAudio(output)
        #expect(y.frameCount == x[0].count)
        let latency = (taps.count - 1) / 2
        var worst = 0.0
        for c in 0..<2 {
            let reference = directConvolution(x[c], taps)
            for i in 0..<y.frameCount {
                worst = max(worst, abs(y.channels[c][i] * 8_388_608 - reference[i + latency] * 8_388_608))
            }
        }
        #expect(worst <= 0.5 + 1e-3, "worst error \(worst) LSB")
    }

    @Test(arguments: [(SampleSubtype.pcm24, 0.5 + 1e-3), (.pcm32, 2.0)])
    func longKernelOutputIsWithinItsBound(subtype: SampleSubtype, boundLSB: Double) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let rate = 8000
        var generator = SeededGenerator(seed: 13)
        // A 10 s decaying kernel, stored as 64-bit float so the file holds the taps exactly.
        let h: [Sample] = (0..<10 * rate).map { n in Double.random(in: -1...1, using: &generator) * 0.02 * exp(-Double(n) / Double(2 * rate)) }
        try writeAudio([h], rate: rate, to: folder.file("k.wav"), subtype: .double)
        try writeAudio([Self.pcmNoise(bits: subtype.bitDepth, frames: 2 * rate, seed: 17)[0].map { $0 * 0.3 }], rate: rate,
                       to: folder.file("in.wav"), subtype: subtype)
        let x = try readAudio(folder.file("in.wav")).channels
        let result = try sfconv("convolve", folder.file("in.wav"), folder.file("k.wav"), folder.file("out.wav"), "--quiet")
        #expect(result.status == 0, "\(result.standardError)")
        let y = try readAudio(folder.file("out.wav")).channels[0]
        #expect(y.count == x[0].count + h.count - 1)
        let steps = Double(1 << (subtype.bitDepth - 1))
        var worst = 0.0
        // Exact values at 2,000 output samples spread over the whole output, tail included.
        x[0].withUnsafeBufferPointer { xs in
            h.withUnsafeBufferPointer { hs in
                for i in Swift.stride(from: 0, to: y.count, by: y.count / 2000) {
                    var sum = 0.0
                    for j in max(0, i - hs.count + 1)...min(i, xs.count - 1) { sum += xs[j] * hs[i - j] }
                    worst = max(worst, abs(y[i] * steps - sum * steps))
                }
            }
        }
        #expect(worst <= boundLSB, "worst error \(worst) LSB")
    }

    @Test func doubleOutputIsWithinRoundingOfTheReference() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var generator = SeededGenerator(seed: 19)
        let x = randomSignal(6000, using: &generator).map { $0 * 0.5 }
        let h = randomSignal(3001, using: &generator).map { $0 * 0.01 }
        try writeAudio([x], to: folder.file("in.wav"), subtype: .double)
        try writeAudio([h], to: folder.file("k.wav"), subtype: .double)
        let result = try sfconv("convolve", folder.file("in.wav"), folder.file("k.wav"), folder.file("out.wav"), "--quiet")
        #expect(result.status == 0, "\(result.standardError)")
        let (error, peak) = maximumError(try readAudio(folder.file("out.wav")).channels[0], directConvolution(x, h))
        #expect(error <= 1e-12 * peak, "error \(error) of peak \(peak)")
    }

    /// `--precision single` on 24-bit output is the fast path (its rounding shows); `auto` is double there.
    @Test func precisionOptionChoosesTheArithmetic() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let input = folder.file("in.wav")
        try writeAudio(Self.pcmNoise(bits: 24, frames: 48000, seed: 23), to: input, subtype: .pcm24)
        let impulse = try Self.unitImpulse(in: folder)
        var outputs: [String: [[Sample]]] = [:]
        for precision in ["single", "double", "auto"] {
            let output = folder.file("\(precision).wav")
            let result = try sfconv("convolve", input, impulse, output, "--precision", precision, "--quiet")
            #expect(result.status == 0, "\(result.standardError)")
            outputs[precision] = try readAudio(output).channels
        }
        let original = try readAudio(input).channels
        #expect(outputs["double"] == original, "double")
        #expect(outputs["auto"] == original, "auto")
        #expect(outputs["single"] != original, "single-precision FFTs should not be exact at 24 bits")

        let dryRun = try sfconv("apply", input, folder.file("x.wav"), "--chain", "gain:db=-1", "--dry-run")
        #expect(dryRun.standardOutput.contains("double precision"), "\(dryRun.standardOutput)")
        let bad = try sfconv("convolve", input, impulse, folder.file("y.wav"), "--precision", "quad")
        #expect(bad.status == 64)
        #expect(bad.standardError.contains("single") && !FileManager.default.fileExists(atPath: folder.file("y.wav")))
    }

    /// A batch binds its chain per output format: the 24-bit file of a mixed folder is convolved
    /// in double precision (and comes back bit for bit), the 16-bit one in single.
    @Test func batchChoosesThePrecisionPerOutputFormat() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try FileManager.default.createDirectory(atPath: folder.file("in"), withIntermediateDirectories: true)
        try writeAudio(Self.pcmNoise(bits: 24, frames: 48000, seed: 37), to: folder.file("in/b24.wav"), subtype: .pcm24)
        try writeAudio(Self.pcmNoise(bits: 16, frames: 48000, seed: 41), to: folder.file("in/a16.wav"), subtype: .pcm16)
        let impulse = try Self.unitImpulse(in: folder)
        let result = try sfconv("batch", folder.file("in"), folder.file("out"), "--chain", "convolve:kernel=\(impulse)", "--quiet")
        #expect(result.status == 0, "\(result.standardError)")
        try Self.expectIdentical(folder.file("in/b24.wav"), folder.file("out/b24.wav"))
        try Self.expectIdentical(folder.file("in/a16.wav"), folder.file("out/a16.wav"))
        // Forced to single, the 24-bit file shows single precision's rounding.
        let single = try sfconv("batch", folder.file("in"), folder.file("single"), "--chain", "convolve:kernel=\(impulse)", "--quiet", "--precision", "single")
        #expect(single.status == 0, "\(single.standardError)")
        #expect(try readAudio(folder.file("single/b24.wav")).channels != readAudio(folder.file("in/b24.wav")).channels)
    }

    @Test func presetOutputPrecisionIsReadAndChecked() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let input = folder.file("in.wav")
        try writeAudio(Self.pcmNoise(bits: 16, frames: 4800, seed: 29), to: input, subtype: .pcm16)
        try "[output]\nprecision = \"double\"\n\n[[effect]]\ntype = \"gain\"\ndb = -1\n".write(toFile: folder.file("p.toml"), atomically: true, encoding: .utf8)
        let dryRun = try sfconv("apply", input, folder.file("out.wav"), "--preset", folder.file("p.toml"), "--dry-run")
        #expect(dryRun.status == 0, "\(dryRun.standardError)")
        #expect(dryRun.standardOutput.contains("double precision"), "\(dryRun.standardOutput)")
        let overridden = try sfconv("apply", input, folder.file("out.wav"), "--preset", folder.file("p.toml"), "--precision", "single", "--dry-run")
        #expect(overridden.standardOutput.contains("single precision"), "\(overridden.standardOutput)")

        try "[output]\nprecision = \"quad\"\n\n[[effect]]\ntype = \"gain\"\ndb = -1\n".write(toFile: folder.file("bad.toml"), atomically: true, encoding: .utf8)
        let bad = try sfconv("apply", input, folder.file("out.wav"), "--preset", folder.file("bad.toml"))
        #expect(bad.status != 0)
        #expect(bad.standardError.contains("output.precision") && bad.standardError.contains("auto"), "\(bad.standardError)")
    }
}
