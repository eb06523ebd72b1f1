import Foundation
import SFConv
import SFConvTestSupport
import Testing

@Suite struct GenerateCommandTests {
    let folder: TemporaryFolder
    init() throws { folder = try TemporaryFolder() }

    @Test func sineHasItsFrequencyAndAmplitude() throws {
        let result = try sfconv("generate", "sine", folder.file("s.wav"), "--frequency", "1000", "--amplitude", "-6dB",
                                "--duration", "0.5", "--rate", "48000", "--channels", "2")
        #expect(result.status == 0, "\(result.standardError)")
        let s = try readAudio(folder.file("s.wav"))
        #expect(s.channelCount == 2 && s.frameCount == 24000)
        let peak = s.channels[0].map(abs).max()!
        #expect(abs(Double(peak) - pow(10, -6.0 / 20)) < 1e-3)
        // 1000 Hz at 48 kHz: 48 frames per period, so 1000 rising zero crossings in a second's half… 500 in 0.5 s.
        let crossings = zip(s.channels[0], s.channels[0].dropFirst()).filter { $0 < 0 && $1 >= 0 }.count
        #expect(abs(crossings - 500) <= 1)
    }

    @Test func noiseIsReproducibleFromItsSeed() throws {
        for (name, seed) in [("a.wav", "3"), ("b.wav", "3"), ("c.wav", "4")] {
            #expect(try sfconv("generate", "noise", folder.file(name), "--seed", seed, "--duration", "0.1").status == 0)
        }
        let a = try readAudio(folder.file("a.wav")), b = try readAudio(folder.file("b.wav")), c = try readAudio(folder.file("c.wav"))
        #expect(a == b && a != c)
        #expect(a.channels[0].map(abs).max()! <= Sample(pow(10, -6.0 / 20)) + 1e-6)
    }

    @Test func sweepAndImpulse() throws {
        #expect(try sfconv("generate", "sweep", folder.file("sw.flac"), "--start", "20", "--end", "20000", "--duration", "2").status == 0)
        let info = try FileInfo.read(path: folder.file("sw.flac"))
        #expect(info.frames == 96000 && info.encoding == "pcm24")
        #expect(try sfconv("generate", "impulse", folder.file("d.wav"), "--duration", "0.01", "--amplitude", "1").status == 0)
        let d = try readAudio(folder.file("d.wav")).channels[0]
        #expect(d[0] == 1 && d.dropFirst().allSatisfy { $0 == 0 })
    }

    @Test func impulseResponseCommand() throws {
        let result = try sfconv("generate", "ir", folder.file("ir.flac"), "--rt60", "0.5", "--size", "room", "--channels", "4")
        #expect(result.status == 0, "\(result.standardError)")
        let info = try FileInfo.read(path: folder.file("ir.flac"))
        #expect(info.channels == 4 && abs((info.peakDBFS ?? 0) + 0.92) < 0.05)
        let bad = try sfconv("generate", "ir", folder.file("bad.flac"), "--rt60", "-1")
        #expect(bad.status != 0 && bad.errorLines == ["error: --rt60 must be from 0.05 to 30 seconds, not -1.0"])
        let badRate = try sfconv("generate", "sine", folder.file("bad.wav"), "--frequency", "30000")
        #expect(badRate.status != 0 && badRate.errorLines.first?.hasPrefix("error: --frequency must be") == true)
    }
}
