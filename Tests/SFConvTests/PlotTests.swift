import Foundation
@testable import SFConv
import SFConvTestSupport
import Testing

/// The PNG pictures: encoding through libpng, the column analysis, and what the pictures show.
@Suite struct PlotTests {
    func sine(frequency: Double, amplitude: Sample = 1, frames: Int, rate: Int = 48000) -> [Sample] {
        (0..<frames).map { amplitude * Sample(sin(2 * Double.pi * frequency * Double($0) / Double(rate))) }
    }

    func analyze(_ samples: [Sample], expected: Int?, columns: Int = 50, rows: FrequencyRows, blocks: [Int] = [997, 31, 4096]) throws -> ColumnSummary {
        let analyzer = try ColumnAnalyzer(sampleRate: 48000, channelCount: 1, expectedFrameCount: expected, columnCount: columns, rows: rows)
        var position = 0, index = 0
        samples.withUnsafeBufferPointer { buffer in
            while position < samples.count {
                let take = min(blocks[index % blocks.count], samples.count - position)
                analyzer.process(buffer.baseAddress! + position, frameCount: take)
                position += take
                index += 1
            }
        }
        return analyzer.finish()
    }

    @Test func pngRoundTripsThroughLibpng() throws {
        var canvas = Canvas(width: 37, height: 21)
        canvas.fill(x: 3, y: 4, width: 10, height: 5, RGB(200, 10, 30))
        canvas.line(0, 20, 36, 0, RGB(1, 2, 3))
        canvas.text("dB -12", x: 1, y: 11, scale: 1)
        let data = try canvas.png()
        let bytes = [UInt8](data)
        #expect(Array(bytes.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(String(decoding: bytes[12..<16], as: UTF8.self) == "IHDR")
        func bigEndian(_ at: Int) -> Int { bytes[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        #expect(bigEndian(16) == 37 && bigEndian(20) == 21)
        let decoded = try PNGImage.decode(data)
        #expect(decoded.width == 37 && decoded.height == 21)
        #expect(decoded.rgb == canvas.pixels)
        #expect(canvas.pixel(x: 5, y: 6) == RGB(200, 10, 30))
    }

    @Test func garbageIsNotAPNG() {
        #expect(throws: SFConvError.self) { try PNGImage.decode(Data("not a picture".utf8)) }
    }

    @Test func textLeavesInkAndUnknownCharactersDrawAsQuestionMarks() {
        var a = Canvas(width: 60, height: 20), b = Canvas(width: 60, height: 20)
        a.text("\u{263A}", x: 0, y: 0, scale: 1)
        b.text("?", x: 0, y: 0, scale: 1)
        #expect(a.pixels == b.pixels)
        #expect(a.pixels.contains { $0 != 255 })
        var c = Canvas(width: 60, height: 20)
        c.text("1", x: 0, y: 0, scale: 1)
        #expect(c.pixels != b.pixels)
    }

    @Test(arguments: [48000 as Int?, nil])
    func aToneAt1kHzLandsInThe1kHzRow(expected: Int?) throws {
        let rows = FrequencyRows(lowFrequency: 20, highFrequency: 24000, rowCount: 300)
        let samples = sine(frequency: 1000, frames: 48000)
        let summary = try analyze(samples, expected: expected, rows: rows)
        let target = rows.row(for: 1000)
        for column in stride(from: 2, to: summary.columnCount - 2, by: 5) {
            let levels = (0..<rows.rowCount).map { summary.decibels(column: column, row: $0, floor: -200)! }
            let loudest = levels.indices.max { levels[$0] < levels[$1] }!
            #expect(abs(loudest - target) <= 1, "column \(column): loudest row \(loudest), 1 kHz is row \(target)")
            // Full scale reads 0 dBFS, less the Hann window's scalloping loss (at most 1.42 dB).
            #expect(levels[loudest] <= 0.05 && levels[loudest] > -1.5, "level \(levels[loudest])")
            // Two octaves away the Hann window's leakage is far down.
            #expect(levels[rows.row(for: 250)] < -60 && levels[rows.row(for: 4000)] < -60)
        }
        #expect(summary.frameCount == 48000)
        #expect(summary.framesPerColumn * summary.columnCount >= 48000)
    }

    @Test func aLongStreamOfUnknownLengthKeepsItsColumns() throws {
        let rows = FrequencyRows(lowFrequency: 20, highFrequency: 24000, rowCount: 40)
        // 10 s into 64 columns, starting from the hop size: the columns merge several times.
        let samples = sine(frequency: 440, amplitude: 0.5, frames: 480_000)
        let summary = try analyze(samples, expected: nil, columns: 64, rows: rows, blocks: [65537])
        #expect(summary.columnCount <= 64 && summary.columnCount >= 32)
        #expect(summary.power.count == 64 * 40)
        #expect(abs(summary.maximum[10] - 0.5) < 0.01 && abs(summary.minimum[10] + 0.5) < 0.01)
        let level = summary.decibels(column: 20, row: rows.row(for: 440), floor: -200)!
        #expect(abs(level + 6.02) < 1.5, "a half-scale sine reads about −6 dBFS, not \(level)")
    }

    @Test func rowsAboveNyquistAreEmpty() throws {
        let rows = FrequencyRows(lowFrequency: 20, highFrequency: 48000, rowCount: 100)
        let summary = try analyze(sine(frequency: 1000, frames: 10000), expected: 10000, rows: rows)
        #expect(summary.decibels(column: 0, row: 99, floor: -100) == nil)
        #expect(summary.decibels(column: 0, row: rows.row(for: 20000), floor: -100) != nil)
    }

    /// The spectrogram panel's pixels of the first file: (x, y) → colour.
    func spectrogramPanel(_ path: String) throws -> (layout: AudioPlot.Layout, rows: FrequencyRows, pixel: (Int, Int) -> RGB) {
        let picture = try PNGImage.decode(try AudioPlot.png(of: [path]))
        let layout = AudioPlot.Layout(kind: .spectrogram, fileCount: 1)
        #expect(picture.width == layout.width && picture.height == layout.height)
        let rows = FrequencyRows(lowFrequency: AudioPlot.lowestFrequency, highFrequency: 24000, rowCount: layout.spectrogramHeight)
        let top = layout.spectrogramTop(0)
        return (layout, rows, { x, y in
            let i = ((top + y) * picture.width + layout.left + x) * 3
            return RGB(picture.rgb[i], picture.rgb[i + 1], picture.rgb[i + 2])
        })
    }

    @Test func thePictureOfA1kHzToneIsBrightestOnThe1kHzLine() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try writeAudio([sine(frequency: 1000, amplitude: 0.5, frames: 24000)], to: folder.file("tone.wav"))
        let (layout, rows, pixel) = try spectrogramPanel(folder.file("tone.wav"))
        let expectedY = layout.spectrogramHeight - 1 - rows.row(for: 1000)
        for x in [100, 500, 900] {
            let brightness = (0..<layout.spectrogramHeight).map { y in let c = pixel(x, y); return Int(c.red) + Int(c.green) + Int(c.blue) }
            let brightest = brightness.indices.max { brightness[$0] < brightness[$1] }!
            #expect(abs(brightest - expectedY) <= 1, "column \(x): brightest at y \(brightest), 1 kHz at \(expectedY)")
        }
    }

    @Test func aSilentFileIsAUniformFloor() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try writeAudio([[Sample](repeating: 0, count: 30000)], to: folder.file("silence.wav"))
        let (layout, _, pixel) = try spectrogramPanel(folder.file("silence.wav"))
        let floor = ColorScale.color(0)
        var others = 0
        for y in 0..<layout.spectrogramHeight {
            for x in 0..<layout.plotWidth where pixel(x, y) != floor { others += 1 }
        }
        #expect(others == 0, "\(others) pixels differ from the floor colour")
    }

    @Test func theColourScaleRisesInLightness() {
        var previous = -1
        for step in 0...100 {
            let c = ColorScale.color(Double(step) / 100)
            let lightness = 2 * Int(c.red) + 5 * Int(c.green) + Int(c.blue)
            #expect(lightness > previous, "step \(step)")
            previous = lightness
        }
    }

    @Test func ticks() {
        #expect(Ticks.frequencies(from: 20, to: 24000) == [20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000])
        #expect(Ticks.hertz(2000) == "2k" && Ticks.hertz(500) == "500")
        #expect(Ticks.step(for: 13.1, count: 10) == 2)
        #expect(Ticks.seconds(0.4, step: 0.2) == "0.4")
    }

    /// Sample samples near their largest value (from the hostile corpus) once overflowed an axis.
    @Test func hugeFloatSamplesDrawWithoutOverflow() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        try writeAudio([[Sample]](repeating: [3e38, -3e38], count: 1).map { pair in (0..<200).map { pair[$0 % 2] } }, to: folder.file("huge.wav"))
        for kind in AudioPlot.Kind.allCases {
            let picture = try PNGImage.decode(try AudioPlot.png(of: [folder.file("huge.wav")], kind: kind))
            #expect(picture.width == AudioPlot.width)
        }
    }
}
