import Foundation
import SFConv
import SFConvTestSupport
import Testing

/// `sfconv convolve` on temporary files: results, modes, channel rules, formats.
@Suite struct ConvolveCommandTests {
    var generator = SeededGenerator(seed: 42)

    @Test(arguments: ConvolutionMode.allCases, [false, true])
    func modesMatchScipyDefinitions(mode: ConvolutionMode, correlate: Bool) throws {
        var generator = SeededGenerator(seed: 7)
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let x = randomSignal(3000, using: &generator)
        let h = randomSignal(301, using: &generator)
        try writeAudio([x], to: folder.file("in.wav"))
        try writeAudio([h], to: folder.file("k.wav"))
        var arguments = ["convolve", folder.file("in.wav"), folder.file("k.wav"), folder.file("out.wav"), "--mode", mode.rawValue]
        if correlate { arguments.append("--correlate") }
        let result = try sfconv(arguments)
        #expect(result.status == 0, "\(result.standardError)")
        let y = try readAudio(folder.file("out.wav")).channels[0]

        // scipy: correlate(x, h) = convolve(x, h reversed); same = full[(K-1)/2 ..< +N]; valid = full[K-1 ..< N].
        let full = directConvolution(x, correlate ? h.reversed() : h)
        let k = h.count, n = x.count
        let expected: [Double] = switch mode {
        case .full: full
        case .same: Array(full[(k - 1) / 2 ..< (k - 1) / 2 + n])
        case .valid: Array(full[(k - 1) ..< n])
        }
        let (error, peak) = maximumError(y, expected)
        #expect(error <= 1e-5 * peak)
    }

    @Test func sameModeWithAnEvenKernelLongerThanTheInput() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let x: [Sample] = [1, 2, 3]
        let h: [Sample] = [0, 1, 0.5, 0.25, 0, 0]
        try writeAudio([x], to: folder.file("in.wav"))
        try writeAudio([h], to: folder.file("k.wav"))
        #expect(try sfconv("convolve", folder.file("in.wav"), folder.file("k.wav"), folder.file("out.wav"), "--mode", "same").status == 0)
        let y = try readAudio(folder.file("out.wav")).channels[0]
        // scipy.signal.convolve([1,2,3], [0,1,.5,.25,0,0], 'same') == [2.5, 4.25, 2]
        #expect(maximumError(y, [2.5, 4.25, 2]).error < 1e-6)
        // scipy.signal.correlate([1,2,3], [0,1,.5,.25,0,0], 'same') == [0.25, 1, 2.75]
        #expect(try sfconv("convolve", folder.file("in.wav"), folder.file("k.wav"), folder.file("corr.wav"), "--mode", "same", "--correlate").status == 0)
        #expect(maximumError(try readAudio(folder.file("corr.wav")).channels[0], [0.25, 1, 2.75]).error < 1e-6)
    }

    @Test func validModeRefusesAKernelLongerThanTheInput() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try writeAudio([[1, 2, 3]], to: folder.file("in.wav"))
        try writeAudio([[1, 1, 1, 1]], to: folder.file("k.wav"))
        let result = try sfconv("convolve", folder.file("in.wav"), folder.file("k.wav"), folder.file("out.wav"), "--mode", "valid")
        #expect(result.status != 0)
        #expect(result.errorLines.first?.hasPrefix("error: --mode valid needs a kernel no longer than the input") == true)
        #expect(!folder.contents().contains("out.wav"))
    }

    @Test func monoInputWithStereoKernelGivesStereo() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try writeAudio([[1, 0, 0, 0]], to: folder.file("in.wav"))
        try writeAudio([[0.5, 0.25], [-1, 0.125]], to: folder.file("k.wav"))
        #expect(try sfconv("convolve", folder.file("in.wav"), folder.file("k.wav"), folder.file("out.wav")).status == 0)
        let y = try readAudio(folder.file("out.wav"))
        #expect(y.channelCount == 2 && y.frameCount == 5)
        #expect(maximumError(y.channels[0], [0.5, 0.25, 0, 0, 0]).error < 1e-6)
        #expect(maximumError(y.channels[1], [-1, 0.125, 0, 0, 0]).error < 1e-6)
    }

    @Test func kernelAtAnotherRateIsResampledWithANote() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        // A 1 kHz sine of amplitude 0.5 at 24 kHz keeps its amplitude at 48 kHz and lasts as long.
        try writeAudio([[1] + [Sample](repeating: 0, count: 99)], to: folder.file("in.wav"))
        let sine = (0..<2400).map { Sample(0.5 * sin(2 * Double.pi * 1000 * Double($0) / 24000)) }
        try writeAudio([sine], rate: 24000, to: folder.file("k.wav"))
        let result = try sfconv("convolve", folder.file("in.wav"), folder.file("k.wav"), folder.file("out.wav"))
        #expect(result.status == 0)
        #expect(result.standardError.contains("note: resampled the kernel from 24000 Hz to 48000 Hz (2400 → 4800 frames)"))
        let y = try readAudio(folder.file("out.wav")).channels[0]
        #expect(y.count == 100 + 4800 - 1)
        let middle = y[1200..<3600]
        let rms = (middle.map { Double($0) * Double($0) }.reduce(0, +) / Double(middle.count)).squareRoot()
        #expect(abs(rms * 2.squareRoot() - 0.5) < 0.005, "amplitude \(rms * 2.squareRoot())")

        let refused = try sfconv("convolve", folder.file("in.wav"), folder.file("k.wav"), folder.file("out2.wav"), "--no-resample")
        #expect(refused.status != 0)
        #expect(refused.errorLines == ["error: kernel is at 24000 Hz but the input is at 48000 Hz (resampling is off) (\(folder.file("k.wav")))"])
    }

    @Test func flacInFlacOutAndSubtypes() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var generator = SeededGenerator(seed: 11)
        let x = randomSignal(5000, using: &generator).map { $0 * 0.5 }
        try writeAudio([x, x], to: folder.file("in.flac"), subtype: .pcm24)
        try writeAudio([[1, 0.5]], to: folder.file("k.wav"))
        #expect(try sfconv("convolve", folder.file("in.flac"), folder.file("k.wav"), folder.file("out.flac")).status == 0)
        let info = try FileInfo.read(path: folder.file("out.flac"))
        #expect(info.encoding == "pcm24" && info.frames == 5001 && info.channels == 2)
        // Sample input to FLAC: the best FLAC has. Sample to WAV stays float unless asked.
        try writeAudio([x], to: folder.file("f.wav"), subtype: .float)
        #expect(try sfconv("convolve", folder.file("f.wav"), folder.file("k.wav"), folder.file("f.flac")).status == 0)
        #expect(try FileInfo.read(path: folder.file("f.flac")).encoding == "pcm24")
        #expect(try sfconv("convolve", folder.file("f.wav"), folder.file("k.wav"), folder.file("f16.wav"), "--subtype", "pcm16").status == 0)
        #expect(try FileInfo.read(path: folder.file("f16.wav")).encoding == "pcm16")
        #expect(try sfconv("convolve", folder.file("f.wav"), folder.file("k.wav"), folder.file("g.wav")).status == 0)
        #expect(try FileInfo.read(path: folder.file("g.wav")).encoding == "float")
        let bad = try sfconv("convolve", folder.file("f.wav"), folder.file("k.wav"), folder.file("h.flac"), "--subtype", "float")
        #expect(bad.status != 0 && bad.errorLines.first?.contains("flac cannot store float samples") == true)
    }

    @Test func integerOutputClipsAndReportsTheGainThatAvoidsIt() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try writeAudio([[0.9, 0.9, 0.1]], to: folder.file("in.wav"))
        try writeAudio([[1, 1]], to: folder.file("k.wav"))
        let result = try sfconv("convolve", folder.file("in.wav"), folder.file("k.wav"), folder.file("out.wav"), "--subtype", "pcm16")
        #expect(result.status == 0)
        // Output [0.9, 1.8, 1.0, 0.1]: one sample over full scale, peak +5.11 dBFS.
        #expect(result.standardError.contains("warning: 1 samples clipped (peak +5.11 dBFS); a gain of -5.12 dB would avoid it"))
        let y = try readAudio(folder.file("out.wav")).channels[0]
        #expect(abs(y[1] - 32767 / 32768) < 1e-4)
    }

    @Test func flacWithoutAFrameCountIsReadToItsEnd() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let x = (0..<10_000).map { Sample(sin(Double($0) * 0.01)) * 0.5 }
        try writeAudio([x], to: folder.file("in.flac"), subtype: .pcm16)
        // Zero STREAMINFO's 36-bit total-samples field, as a FLAC encoder writing to a pipe leaves it.
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: folder.file("in.flac"))))
        bytes[21] &= 0xF0
        for i in 22...25 { bytes[i] = 0 }
        try Data(bytes).write(to: URL(fileURLWithPath: folder.file("pipe.flac")))
        #expect(try FileInfo.read(path: folder.file("pipe.flac")).declaredFrames == nil)
        try writeAudio([[1]], to: folder.file("k.wav"))
        #expect(try sfconv("convolve", folder.file("pipe.flac"), folder.file("k.wav"), folder.file("out.wav")).status == 0)
        #expect(try readAudio(folder.file("out.wav")).frameCount == 10_000)
    }

    @Test func infoPrintsJSON() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try writeAudio([[0.5, -0.25], [0, 0]], rate: 44100, to: folder.file("a.wav"), subtype: .pcm24)
        let result = try sfconv("info", "--json", folder.file("a.wav"))
        #expect(result.status == 0)
        let infos = try JSONDecoder().decode([FileInfo].self, from: Data(result.standardOutput.utf8))
        let info = try #require(infos.first)
        #expect(info.channels == 2 && info.sampleRate == 44100 && info.frames == 2 && info.encoding == "pcm24")
        #expect(abs((info.peakDBFS ?? 0) - 20 * log10(0.5)) < 0.01)
        #expect(info.container.hasPrefix("WAV"))
    }

    @Test func measuredPlansAreSavedAsWisdomAndReused() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try writeAudio([[Sample](repeating: 0.1, count: 3000)], to: folder.file("in.wav"))
        try writeAudio([[1, 0.5, 0.25]], to: folder.file("k.wav"))
        let cache = folder.file("cache")
        let first = try sfconv(["convolve", folder.file("in.wav"), folder.file("k.wav"), folder.file("a.wav"), "--fft-planning", "measure"],
                               environment: ["XDG_CACHE_HOME": cache])
        #expect(first.status == 0)
        let wisdom = cache + "/sfconv/fftw3f.wisdom"
        let saved = try String(contentsOfFile: wisdom, encoding: .utf8)
        #expect(saved.contains("fftwf_wisdom"))
        let second = try sfconv(["convolve", folder.file("in.wav"), folder.file("k.wav"), folder.file("b.wav")], environment: ["XDG_CACHE_HOME": cache])
        #expect(second.status == 0)
        #expect(try readAudio(folder.file("a.wav")) == readAudio(folder.file("b.wav")))
    }

    @Test func aSuccessfulRunPrintsNothingWhenStderrIsNotATerminal() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try writeAudio([[Sample](repeating: 0.1, count: 200_000)], to: folder.file("in.wav"))
        try writeAudio([[0.5, 0.25]], to: folder.file("k.wav"))
        let result = try sfconv("convolve", folder.file("in.wav"), folder.file("k.wav"), folder.file("out.wav"))
        #expect(result.status == 0)
        #expect(result.standardError.isEmpty, "\(result.standardError)")
        #expect(result.standardOutput.isEmpty)
    }
}
