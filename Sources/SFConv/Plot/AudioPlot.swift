import Foundation

/// PNG pictures of audio files: a log-frequency spectrogram (levels in dB re full scale, with a
/// colour-bar legend), a waveform (lowest and highest sample per pixel column), or both; several
/// files stack top to bottom on the same time, frequency, level and amplitude scales (dry above
/// wet). Each file is read once, block by block, and reduced to pixel columns as it is read, so
/// memory does not grow with its length.
public enum AudioPlot {
    /// What each file's part of the picture shows.
    public enum Kind: String, CaseIterable, Sendable {
        /// Levels against log frequency (20 Hz to Nyquist) and time.
        case spectrogram
        /// The lowest and highest sample per pixel column against time.
        case waveform
        /// A waveform above a spectrogram.
        case both
    }

    /// The picture's width in pixels.
    static let width = 1200
    /// The range of the colour scale in dB, below its top.
    static let levelRange = 100.0
    static let lowestFrequency = 20.0

    /// Reads the audio files at `paths` (one to stack) and draws them; returns PNG bytes.
    ///
    /// - Parameters:
    ///   - paths: one or more audio files (anything ``SoundFileReader`` reads); `-` is standard input.
    ///   - kind: what to draw for each file.
    ///   - diagnostics: where warnings go (a file shorter than its header says).
    public static func png(of paths: [String], kind: Kind = .spectrogram, diagnostics: Diagnostics = .silent) throws -> Data {
        precondition(!paths.isEmpty)
        let readers = try paths.map { try SoundFileReader(path: $0) }
        let layout = Layout(kind: kind, fileCount: paths.count)
        let highest = Double(readers.map(\.sampleRate).max()!) / 2
        let rows = FrequencyRows(lowFrequency: lowestFrequency, highFrequency: max(highest, 2 * lowestFrequency), rowCount: layout.spectrogramHeight)
        var summaries: [ColumnSummary] = []
        for reader in readers {
            summaries.append(try summarize(reader, columns: layout.plotWidth, rows: rows, diagnostics: diagnostics))
        }
        let names = paths.map { $0 == "-" ? "standard input" : URL(fileURLWithPath: $0).lastPathComponent }
        var canvas = Canvas(width: layout.width, height: layout.height)
        PlotRenderer(layout: layout, rows: rows, summaries: summaries, names: names).draw(on: &canvas)
        return try canvas.png()
    }

    /// Draws the files at `paths` (see ``png(of:kind:diagnostics:)``) into the PNG file `output`,
    /// written atomically; an existing `output` is replaced only when `overwrite`.
    /// `output` must end in `.png`.
    public static func write(_ paths: [String], to output: String, kind: Kind = .spectrogram, overwrite: Bool, diagnostics: Diagnostics = .silent) throws {
        try checkDestination(output, overwrite: overwrite)
        let data = try png(of: paths, kind: kind, diagnostics: diagnostics)
        try TemporaryFiles.writeAtomically(data, to: output, overwrite: overwrite)
    }

    /// Fails early, before any audio is read, when `output` cannot take a PNG picture: a name
    /// without `.png`, or an existing file without `overwrite`.
    public static func checkDestination(_ output: String, overwrite: Bool) throws {
        guard output.lowercased().hasSuffix(".png"), output.count > 4 else {
            throw SFConvError("pictures are written as PNG: give a file name ending in .png", path: output)
        }
        try SoundFileWriter.checkDestination(output, overwrite: overwrite)
    }

    static func summarize(_ reader: SoundFileReader, columns: Int, rows: FrequencyRows, diagnostics: Diagnostics) throws -> ColumnSummary {
        let analyzer = try ColumnAnalyzer(sampleRate: reader.sampleRate, channelCount: reader.channelCount,
                                          expectedFrameCount: reader.declaredFrameCount, columnCount: columns, rows: rows)
        let blockFrames = 16384
        var block = [Sample](repeating: 0, count: blockFrames * reader.channelCount)
        while true {
            let got = try block.withUnsafeMutableBufferPointer { try reader.read(into: $0.baseAddress!, frameCount: blockFrames) }
            if got == 0 { break }
            block.withUnsafeBufferPointer { analyzer.process($0.baseAddress!, frameCount: got) }
        }
        reader.finish(diagnostics: diagnostics)
        return analyzer.finish()
    }

    /// Where everything goes, in pixels.
    struct Layout {
        let kind: Kind
        let fileCount: Int
        let width = AudioPlot.width
        let left = 112, right = 150
        let top = 50
        let labelHeight = 30
        let waveformHeight: Int
        let spectrogramHeight: Int
        let panelGap = 14
        let groupGap = 16
        let bottom = 70

        init(kind: Kind, fileCount: Int) {
            self.kind = kind
            self.fileCount = fileCount
            waveformHeight = kind == .waveform ? (fileCount == 1 ? 400 : 260) : 130
            spectrogramHeight = fileCount == 1 ? 440 : 340
        }

        var plotWidth: Int { width - left - right }
        var showsWaveform: Bool { kind != .spectrogram }
        var showsSpectrogram: Bool { kind != .waveform }

        var groupHeight: Int {
            labelHeight + (showsWaveform ? waveformHeight : 0) + (kind == .both ? panelGap : 0) + (showsSpectrogram ? spectrogramHeight : 0)
        }

        var height: Int { top + fileCount * groupHeight + (fileCount - 1) * groupGap + bottom }

        func groupTop(_ file: Int) -> Int { top + file * (groupHeight + groupGap) }
        func waveformTop(_ file: Int) -> Int { groupTop(file) + labelHeight }
        func spectrogramTop(_ file: Int) -> Int { groupTop(file) + labelHeight + (showsWaveform ? waveformHeight + panelGap : 0) }
        var lastPanelBottom: Int { groupTop(fileCount - 1) + groupHeight }
    }
}

/// Draws summaries into a canvas laid out by ``AudioPlot/Layout``.
private struct PlotRenderer {
    let layout: AudioPlot.Layout
    let rows: FrequencyRows
    let summaries: [ColumnSummary]
    let names: [String]

    /// Seconds across the plot: the longest file's duration (at least one sample).
    var duration: Double { max(summaries.map(\.duration).max() ?? 0, 1 / Double(summaries[0].sampleRate)) }
    /// The colour scale's top: 0 dBFS, or higher for a file over full scale (to the next 10 dB).
    var levelTop: Double {
        let peak = summaries.map(\.peakDecibels).max() ?? -.infinity
        // Float samples near their largest value reach about +770 dBFS; overflowing power reads +800.
        guard peak.isFinite else { return peak > 0 ? Self.highestLevelTop : 0 }
        return peak > 0 ? min(Self.highestLevelTop, (peak / 10).rounded(.up) * 10) : 0
    }
    static let highestLevelTop = 800.0

    /// The waveform's ±scale: a 1-2-5 step at or above the largest peak (1 for silence).
    var amplitudeScale: Double {
        let peak = Double(summaries.map(\.peakSample).max() ?? 0)
        guard peak > 0 else { return 1 }
        var scale = pow(10, (log10(peak)).rounded(.down))
        for factor in [1.0, 2, 5, 10] where factor * scale >= peak * 0.999 { return factor * scale }
        scale *= 10
        return scale
    }

    func draw(on canvas: inout Canvas) {
        let title = names.count == 1 ? names[0] : names.joined(separator: " vs ")
        canvas.text(fitted(title, width: layout.width - 40, scale: 3), x: layout.width / 2, y: 14, scale: 3, align: .center)
        for (index, summary) in summaries.enumerated() {
            let info = "\(names[index])  \u{00B7}  \(summary.sampleRate) Hz  \u{00B7}  \(Ticks.seconds(summary.duration)) s"
            canvas.text(fitted(info, width: layout.plotWidth, scale: 2), x: layout.left, y: layout.groupTop(index) + 8)
            if layout.showsWaveform { drawWaveform(summary, top: layout.waveformTop(index), on: &canvas) }
            if layout.showsSpectrogram {
                drawSpectrogram(summary, top: layout.spectrogramTop(index), on: &canvas)
                drawColorBar(top: layout.spectrogramTop(index), on: &canvas)
            }
        }
        drawTimeAxis(on: &canvas)
    }

    /// The frame of the file under pixel column `x`, or nil past its end.
    func column(of summary: ColumnSummary, x: Int) -> Int? {
        let time = (Double(x) + 0.5) / Double(layout.plotWidth) * duration
        let frame = Int(time * Double(summary.sampleRate))
        guard frame < summary.frameCount else { return nil }
        return min(summary.columnCount - 1, frame / summary.framesPerColumn)
    }

    func drawSpectrogram(_ summary: ColumnSummary, top: Int, on canvas: inout Canvas) {
        let height = layout.spectrogramHeight, floor = levelTop - AudioPlot.levelRange
        canvas.fill(x: layout.left, y: top, width: layout.plotWidth, height: height, .panel)
        for x in 0..<layout.plotWidth {
            guard let column = column(of: summary, x: x) else { continue }
            for y in 0..<height {
                guard let level = summary.decibels(column: column, row: height - 1 - y, floor: floor) else { continue }
                canvas.set(layout.left + x, top + y, ColorScale.color((level - floor) / AudioPlot.levelRange))
            }
        }
        canvas.frame(x: layout.left - 1, y: top - 1, width: layout.plotWidth + 2, height: height + 2, .ink)
        // Frequency ticks, labels and the axis title.
        for frequency in Ticks.frequencies(from: rows.lowFrequency, to: rows.highFrequency) {
            let y = top + height - 1 - rows.row(for: frequency)
            canvas.line(layout.left - 8, y, layout.left - 2, y, .ink)
            canvas.text(Ticks.hertz(frequency), x: layout.left - 12, y: y - 7, align: .right)
        }
        canvas.verticalText("Frequency (Hz)", x: 10, centerY: top + height / 2)
    }

    func drawWaveform(_ summary: ColumnSummary, top: Int, on canvas: inout Canvas) {
        let height = layout.waveformHeight, scale = amplitudeScale
        canvas.fill(x: layout.left, y: top, width: layout.plotWidth, height: height, .panel)
        func y(_ value: Double) -> Int {
            let position = (1 - value / scale) / 2
            guard position.isFinite else { return top + height / 2 }
            return top + min(height - 1, max(0, Int((position * Double(height - 1)).rounded())))
        }
        canvas.line(layout.left, y(0), layout.left + layout.plotWidth - 1, y(0), .grid)
        let wave = RGB(30, 80, 170)
        for x in 0..<layout.plotWidth {
            guard let column = column(of: summary, x: x) else { continue }
            canvas.line(layout.left + x, y(Double(summary.maximum[column])), layout.left + x, y(Double(summary.minimum[column])), wave)
        }
        canvas.frame(x: layout.left - 1, y: top - 1, width: layout.plotWidth + 2, height: height + 2, .ink)
        for value in [scale, 0, -scale] {
            let row = y(value)
            canvas.line(layout.left - 8, row, layout.left - 2, row, .ink)
            let label = value == 0 ? "0" : (value > 0 ? "+" : "\u{2212}") + Ticks.plain(abs(value))
            canvas.text(label, x: layout.left - 12, y: min(max(row - 7, top - 2), top + height - 12), align: .right)
        }
        canvas.verticalText("Amplitude", x: 10, centerY: top + height / 2)
    }

    func drawColorBar(top: Int, on canvas: inout Canvas) {
        let height = layout.spectrogramHeight
        let x = layout.left + layout.plotWidth + 24, barWidth = 22
        for y in 0..<height {
            canvas.fill(x: x, y: top + y, width: barWidth, height: 1, ColorScale.color(1 - Double(y) / Double(height - 1)))
        }
        canvas.frame(x: x - 1, y: top - 1, width: barWidth + 2, height: height + 2, .ink)
        let floor = levelTop - AudioPlot.levelRange
        for level in stride(from: levelTop, through: floor, by: -20) {
            let y = top + Int(((levelTop - level) / AudioPlot.levelRange * Double(height - 1)).rounded())
            canvas.line(x + barWidth, y, x + barWidth + 5, y, .ink)
            let label = level == 0 ? "0" : (level > 0 ? "+" : "\u{2212}") + Ticks.plain(abs(level))
            canvas.text(label, x: x + barWidth + 9, y: y - 7)
        }
        canvas.text("dBFS", x: x + barWidth / 2, y: top - 26, align: .center)
    }

    func drawTimeAxis(on canvas: inout Canvas) {
        let bottom = layout.lastPanelBottom
        let step = Ticks.step(for: duration, count: 10)
        var time = 0.0
        while time <= duration * 1.0000001 {
            let x = layout.left + Int((time / duration * Double(layout.plotWidth - 1)).rounded())
            for file in 0..<layout.fileCount {
                if layout.showsWaveform { canvas.line(x, layout.waveformTop(file) + layout.waveformHeight + 1, x, layout.waveformTop(file) + layout.waveformHeight + 5, .ink) }
                if layout.showsSpectrogram { canvas.line(x, layout.spectrogramTop(file) + layout.spectrogramHeight + 1, x, layout.spectrogramTop(file) + layout.spectrogramHeight + 5, .ink) }
            }
            canvas.text(Ticks.seconds(time, step: step), x: x, y: bottom + 10, align: .center)
            time += step
        }
        canvas.text("Time (s)", x: layout.left + layout.plotWidth / 2, y: bottom + 40, align: .center)
    }

    /// `text`, cut with "..." to fit `width` pixels.
    func fitted(_ text: String, width: Int, scale: Int) -> String {
        guard Canvas.textWidth(text, scale: scale) > width else { return text }
        var cut = text
        while !cut.isEmpty && Canvas.textWidth(cut + "...", scale: scale) > width { cut.removeLast() }
        return cut + "..."
    }
}

/// Tick positions and labels for the picture's axes.
enum Ticks {
    /// 1-2-5 steps per decade within `low...high` (Hz): 20, 50, 100, 200, 500, 1k, …
    static func frequencies(from low: Double, to high: Double) -> [Double] {
        var ticks: [Double] = []
        var decade = pow(10, log10(low).rounded(.down))
        while decade <= high {
            for factor in [1.0, 2, 5] where factor * decade >= low * 0.999 && factor * decade <= high * 1.001 {
                ticks.append(factor * decade)
            }
            decade *= 10
        }
        return ticks
    }

    /// "20", "500", "1k", "2.5k", "20k".
    static func hertz(_ value: Double) -> String {
        value >= 1000 ? plain(value / 1000) + "k" : plain(value)
    }

    /// A number without trailing zeros: "0.5", "20", "0.002".
    static func plain(_ value: Double) -> String {
        var text = String(format: "%.4f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// A 1-2-5 step that cuts `span` into at most `count` parts.
    static func step(for span: Double, count: Int) -> Double {
        let rough = max(span, 1e-6) / Double(count)
        let decade = pow(10, log10(rough).rounded(.down))
        return [1.0, 2, 5, 10].map { $0 * decade }.first { $0 >= rough * 0.999 } ?? 10 * decade
    }

    /// Seconds with as many decimals as `step` needs (or two for a duration).
    static func seconds(_ value: Double, step: Double? = nil) -> String {
        guard let step else { return String(format: "%.2f", value) }
        let decimals = step >= 1 ? 0 : Int((-log10(step)).rounded(.up))
        return String(format: "%.\(decimals)f", value)
    }
}
