import Foundation
import SFConv
import SFConvTestSupport
import Testing

/// `sfconv plot` on temporary files.
@Suite struct PlotCommandTests {
    let folder: TemporaryFolder

    init() throws { folder = try TemporaryFolder() }

    func tone(_ frames: Int) -> [Sample] { (0..<frames).map { 0.3 * Sample(sin(Double($0) * 0.1)) } }

    /// Width and height from the PNG's IHDR chunk, after checking the signature.
    func pngSize(_ path: String) throws -> (Int, Int) {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(Array(bytes.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(String(decoding: bytes[12..<16], as: UTF8.self) == "IHDR")
        func bigEndian(_ at: Int) -> Int { bytes[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        return (bigEndian(16), bigEndian(20))
    }

    @Test func writesAReadablePNG() throws {
        defer { folder.remove() }
        try writeAudio([tone(20000), tone(20000)], to: folder.file("in.wav"))
        let result = try sfconv("plot", folder.file("in.wav"), "-o", folder.file("in.png"))
        #expect(result.status == 0, "\(result.standardError)")
        let (width, height) = try pngSize(folder.file("in.png"))
        #expect(width == 1200 && (560...640).contains(height))
        let decoded = try PNGImage.decode(try Data(contentsOf: URL(fileURLWithPath: folder.file("in.png"))))
        #expect(decoded.width == 1200 && decoded.rgb.count == 1200 * height * 3)
        #expect(folder.contents() == ["in.png", "in.wav"])
    }

    @Test func compareStacksTwoFilesAndBothAddsWaveforms() throws {
        defer { folder.remove() }
        try writeAudio([tone(20000)], to: folder.file("dry.wav"))
        try writeAudio([tone(30000)], rate: 44100, to: folder.file("wet.flac"), subtype: .pcm16)
        let one = try sfconv("plot", folder.file("dry.wav"), "-o", folder.file("one.png"))
        let two = try sfconv("plot", folder.file("dry.wav"), "--compare", folder.file("wet.flac"), "--kind", "both", "-o", folder.file("two.png"))
        let wave = try sfconv("plot", folder.file("dry.wav"), "--kind", "waveform", "-o", folder.file("wave.png"))
        #expect(one.status == 0 && two.status == 0 && wave.status == 0, "\(one.standardError)\(two.standardError)\(wave.standardError)")
        let (_, h1) = try pngSize(folder.file("one.png"))
        let (w2, h2) = try pngSize(folder.file("two.png"))
        #expect(w2 == 1200 && h2 > h1 + 400)
    }

    @Test func badInputGetsOneClearError() throws {
        defer { folder.remove() }
        try writeAudio([tone(1000)], to: folder.file("in.wav"))
        try Data("just text, not audio\n".utf8).write(to: URL(fileURLWithPath: folder.file("notes.txt")))
        try Data("old".utf8).write(to: URL(fileURLWithPath: folder.file("old.png")))
        let cases: [([String], String)] = [
            (["plot", folder.file("missing.wav"), "-o", folder.file("a.png")], "no such file"),
            (["plot", folder.file("notes.txt"), "-o", folder.file("b.png")], "cannot read as audio"),
            (["plot", folder.file("in.wav"), "-o", folder.file("old.png")], "exists"),
            (["plot", folder.file("in.wav"), "-o", folder.file("c.jpg")], ".png"),
            (["plot", folder.file("in.wav"), "--compare", folder.file("missing.wav"), "-o", folder.file("d.png")], "no such file"),
            (["plot", folder.file("in.wav"), "--kind", "bars", "-o", folder.file("e.png")], "bars"),
        ]
        for (arguments, expected) in cases {
            let result = try sfconv(arguments)
            // A file problem exits 1; a usage mistake (an unknown --kind) exits 64, as the argument parser does.
            #expect(result.status == (expected == "bars" ? 64 : 1), "\(arguments): status \(result.status)")
            #expect(result.errorLines.count == 1 && result.errorLines[0].hasPrefix("error:") && result.standardError.contains(expected),
                    "\(arguments): \(result.standardError)")
        }
        #expect(folder.contents() == ["in.wav", "notes.txt", "old.png"])
        #expect(try String(contentsOfFile: folder.file("old.png"), encoding: .utf8) == "old")
        let forced = try sfconv("plot", folder.file("in.wav"), "-o", folder.file("old.png"), "--force")
        #expect(forced.status == 0, "\(forced.standardError)")
        _ = try pngSize(folder.file("old.png"))
    }

    @Test func reverbFilterAndApplyDrawBeforeAndAfter() throws {
        defer { folder.remove() }
        try writeAudio([tone(9000)], to: folder.file("in.wav"))
        try writeAudio([(0..<2000).map { Sample(exp(-Double($0) / 300)) * (($0 % 7 == 0) ? 0.5 : -0.1) }], to: folder.file("ir.wav"))
        let runs = [
            ["reverb", folder.file("in.wav"), folder.file("ir.wav"), folder.file("r.wav"), "--plot", folder.file("r.png")],
            ["filter", folder.file("in.wav"), folder.file("f.wav"), "lowpass", "--cutoff", "2000", "--plot", folder.file("f.png")],
            ["apply", folder.file("in.wav"), folder.file("a.wav"), "--chain", "gain:db=-6", "--plot", folder.file("a.png")],
        ]
        for arguments in runs {
            let result = try sfconv(arguments)
            #expect(result.status == 0, "\(arguments): \(result.standardError)")
            let (width, height) = try pngSize(arguments.last!)
            #expect(width == 1200 && height > 800, "\(arguments): \(width)×\(height)")
        }
        // Checked before the render: nothing is written when the picture cannot be.
        for (plot, expected) in [("r.png", "exists"), ("r.svg", ".png")] {
            let result = try sfconv("reverb", folder.file("in.wav"), folder.file("ir.wav"), folder.file("r2.wav"), "--plot", folder.file(plot))
            #expect(result.status == 1 && result.errorLines.count == 1 && result.standardError.contains(expected), "\(result.standardError)")
        }
        #expect(!folder.contents().contains("r2.wav"))
    }

    @Test func designPlotsPNGOrSVGByTheName() throws {
        defer { folder.remove() }
        let png = try sfconv("design", "highpass", "--cutoff", "90", "--transition", "60", "--attenuation", "80", "--plot", folder.file("hp.png"))
        #expect(png.status == 0, "\(png.standardError)")
        let (width, height) = try pngSize(folder.file("hp.png"))
        #expect(width == 1200 && height == 700)
        let svg = try sfconv("design", "lowpass", "--cutoff", "8000", "--taps", "101", "--plot", folder.file("lp.svg"))
        #expect(svg.status == 0, "\(svg.standardError)")
        #expect(try String(contentsOfFile: folder.file("lp.svg"), encoding: .utf8).contains("<svg"))
        let again = try sfconv("design", "lowpass", "--cutoff", "8000", "--taps", "101", "--plot", folder.file("hp.png"))
        #expect(again.status == 1 && again.errorLines.count == 1, "\(again.standardError)")
    }
}
