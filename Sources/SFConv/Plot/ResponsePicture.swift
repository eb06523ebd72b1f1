import Foundation

/// A PNG picture of a filter's response, the raster sibling of ``ResponsePlot``'s SVG: magnitude in
/// dB (top) and group delay in samples (bottom) against log or linear frequency, with the cutoffs,
/// the −6 dB and stopband levels and an EQ's points over it. Same sampling, scales and title.
public enum ResponsePicture {
    static let width = 1200, height = 700
    static let left = 100, right = 40
    static let magnitudeTop = 56, magnitudeHeight = 400
    static let delayTop = 490, delayHeight = 130

    /// The picture as PNG bytes.
    public static func png(for design: FilterDesign, frequencyScale: FrequencyScale = .log) throws -> Data {
        let nyquist = design.rate / 2
        let plotWidth = width - left - right
        let lowest = frequencyScale == .log ? min(10, nyquist / 1000) : 0
        // One frequency per pixel column.
        let frequencies = (0..<plotWidth).map { i -> Double in
            let fraction = Double(i) / Double(plotWidth - 1)
            return frequencyScale == .log ? lowest * pow(nyquist / lowest, fraction) : nyquist * fraction
        }
        let (magnitudes, delays) = try ResponsePlot.sampledResponse(design.coefficients, at: frequencies, rate: design.rate)
        let decibels = magnitudes.map { 20 * log10(max($0, 1e-12)) }
        let (bottomDB, topDB, step) = ResponsePlot.magnitudeRange(design, decibels: decibels)
        let maxDelay = max(1, Double(design.taps - 1))

        func x(_ f: Double) -> Int {
            let fraction = frequencyScale == .log ? log(f / lowest) / log(nyquist / lowest) : f / nyquist
            return left + Int((fraction * Double(plotWidth - 1)).rounded())
        }
        func yMagnitude(_ db: Double) -> Int {
            magnitudeTop + Int((Double(magnitudeHeight - 1) * (topDB - min(max(db, bottomDB), topDB)) / (topDB - bottomDB)).rounded())
        }
        func yDelay(_ d: Double) -> Int { delayTop + Int((Double(delayHeight - 1) * (1 - min(max(d, 0), maxDelay) / maxDelay)).rounded()) }

        var canvas = Canvas(width: width, height: height)
        canvas.text(ResponsePlot.title(design), x: width / 2, y: 16, scale: 2, align: .center)
        let gridColor = RGB(222, 222, 228)
        let ticks = frequencyScale == .log ? ResponsePlot.frequencyTicks(from: lowest, to: nyquist) : ResponsePlot.linearTicks(to: nyquist)
        for tick in ticks {
            canvas.line(x(tick), magnitudeTop, x(tick), magnitudeTop + magnitudeHeight - 1, gridColor)
            canvas.line(x(tick), delayTop, x(tick), delayTop + delayHeight - 1, gridColor)
        }
        for db in stride(from: bottomDB, through: topDB, by: step) {
            canvas.line(left, yMagnitude(db), left + plotWidth - 1, yMagnitude(db), gridColor)
            canvas.text(signed(db), x: left - 10, y: yMagnitude(db) - 7, align: .right)
        }
        for fraction in [0.0, 0.5, 1.0] {
            let d = maxDelay * fraction
            canvas.text(Ticks.plain((d * 10).rounded() / 10), x: left - 10, y: min(yDelay(d) - 7, delayTop + delayHeight - 14), align: .right)
        }
        // Frequency labels that would touch the one before are left out.
        var lastRight = Int.min
        for tick in ticks {
            let label = ResponsePlot.hertzLabel(tick)
            let half = Canvas.textWidth(label) / 2
            guard x(tick) - half > lastRight + 10 else { continue }
            canvas.text(label, x: x(tick), y: delayTop + delayHeight + 10, align: .center)
            lastRight = x(tick) + half
        }
        canvas.text("Frequency (Hz, \(frequencyScale.rawValue) scale)", x: left + plotWidth / 2, y: height - 28, align: .center)
        canvas.verticalText("Magnitude (dB)", x: 12, centerY: magnitudeTop + magnitudeHeight / 2)
        canvas.verticalText("Delay (samples)", x: 12, centerY: delayTop + delayHeight / 2)

        // The specification.
        let specColor = RGB(192, 57, 43), bandColor = RGB(142, 68, 173)
        var lastCutoffLabel = Int.min
        for cutoff in design.cutoffs ?? [] where cutoff > lowest {
            dashed(&canvas, x(cutoff), magnitudeTop, x(cutoff), magnitudeTop + magnitudeHeight - 1, specColor)
            // Right of the line, or left of it near the right edge; a row lower if it would touch the last.
            let label = "\(ResponsePlot.hertzLabel(cutoff)) Hz", labelWidth = Canvas.textWidth(label)
            let start = x(cutoff) + 6 + labelWidth > left + plotWidth ? x(cutoff) - 6 - labelWidth : x(cutoff) + 6
            let row = start <= lastCutoffLabel + 8 ? 1 : 0
            canvas.text(label, x: start, y: magnitudeTop + 8 + 20 * row, specColor)
            lastCutoffLabel = start + labelWidth
        }
        // remez, firls: each band's desired amplitude (a stopband at its measured attenuation).
        if design.remezType != .differentiator {
            for band in design.measured.bands ?? [] where band.highHz > lowest {
                let stop = band.desired.allSatisfy { $0 == 0 }
                let levels = stop ? [-band.deviationDB, -band.deviationDB] : band.desired.map { 20 * log10(max($0, 1e-6)) }
                dashed(&canvas, x(max(band.lowHz, lowest)), yMagnitude(levels[0]), x(band.highHz), yMagnitude(levels[1]), bandColor)
            }
        }
        if design.cutoffs != nil { dashed(&canvas, left, yMagnitude(-6), left + plotWidth - 1, yMagnitude(-6), specColor) }
        if let attenuation = design.attenuation {
            dashed(&canvas, left, yMagnitude(-attenuation), left + plotWidth - 1, yMagnitude(-attenuation), bandColor)
            canvas.text("stopband \u{2212}\(Numbers.format(attenuation)) dB", x: left + plotWidth - 8, y: yMagnitude(-attenuation) - 18, align: .right, bandColor)
        }
        for point in design.points ?? [] where point[0] > lowest {
            canvas.fill(x: x(point[0]) - 4, y: yMagnitude(point[1]) - 4, width: 9, height: 9, specColor)
        }

        // The magnitude, and the group delay where the magnitude is within 60 dB of its peak.
        let curveColor = RGB(31, 95, 168), delayColor = RGB(39, 174, 96)
        let peak = magnitudes.max() ?? 1
        for i in 1..<frequencies.count {
            thick(&canvas, left + i - 1, yMagnitude(decibels[i - 1]), left + i, yMagnitude(decibels[i]), curveColor)
            if magnitudes[i] > 1e-3 * peak && magnitudes[i - 1] > 1e-3 * peak {
                thick(&canvas, left + i - 1, yDelay(delays[i - 1]), left + i, yDelay(delays[i]), delayColor)
            }
        }
        canvas.frame(x: left - 1, y: magnitudeTop - 1, width: plotWidth + 2, height: magnitudeHeight + 2, .ink)
        canvas.frame(x: left - 1, y: delayTop - 1, width: plotWidth + 2, height: delayHeight + 2, .ink)
        return try canvas.png()
    }

    private static func signed(_ value: Double) -> String {
        value == 0 ? "0" : (value > 0 ? "+" : "\u{2212}") + Ticks.plain(abs(value))
    }

    /// A line two pixels thick.
    private static func thick(_ canvas: inout Canvas, _ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ color: RGB) {
        canvas.line(x0, y0, x1, y1, color)
        canvas.line(x0, y0 + 1, x1, y1 + 1, color)
    }

    /// A dashed line from (x0, y0) to (x1, y1): 6 pixels drawn, 4 left out.
    private static func dashed(_ canvas: inout Canvas, _ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ color: RGB) {
        let dx = Double(x1 - x0), dy = Double(y1 - y0)
        let length = (dx * dx + dy * dy).squareRoot()
        guard length >= 1 else { return canvas.set(x0, y0, color) }
        for start in stride(from: 0.0, to: length, by: 10) {
            let end = min(length, start + 5)
            canvas.line(x0 + Int((dx * start / length).rounded()), y0 + Int((dy * start / length).rounded()),
                        x0 + Int((dx * end / length).rounded()), y0 + Int((dy * end / length).rounded()), color)
        }
    }
}
