import Foundation

/// How a plot's frequency axis is spaced.
public enum FrequencyScale: String, CaseIterable, Sendable {
    case log, linear
}

/// An SVG picture of a filter's response: magnitude in dB (top) and group delay in samples
/// (bottom) against log or linear frequency, with the specification drawn over it.
public enum ResponsePlot {
    static let width = 900.0
    static let left = 70.0, right = 30.0
    static let magnitudeTop = 50.0, magnitudeHeight = 330.0
    static let delayTop = 440.0, delayHeight = 130.0
    static let height = 620.0

    public static func svg(for design: FilterDesign, frequencyScale: FrequencyScale = .log) throws -> String {
        let nyquist = design.rate / 2
        let lowest = frequencyScale == .log ? min(10, nyquist / 1000) : 0
        let frequencies = frequencyScale == .log
            ? (0..<600).map { lowest * pow(nyquist / lowest, Double($0) / 599) }
            : (0..<1200).map { nyquist * Double($0) / 1199 }
        let (magnitudes, delays) = try sampledResponse(design.coefficients, at: frequencies, rate: design.rate)
        let drawing = ResponseDrawing(design: design, scale: frequencyScale, lowest: lowest, decibels: magnitudes.map { 20 * log10(max($0, 1e-12)) })
        var svg = SVG(width: width, height: height)
        svg.text(width / 2, 28, title(design), size: 16, anchor: "middle", weight: "bold")
        drawing.drawAxes(&svg)
        drawing.drawSpecification(&svg)
        drawing.drawResponse(&svg, frequencies: frequencies, magnitudes: magnitudes, delays: delays)
        return svg.document
    }

    /// The magnitude axis: bottom and top in dB and the step between labelled levels (shared by
    /// the SVG and the PNG pictures).
    static func magnitudeRange(_ design: FilterDesign, decibels: [Double]) -> (bottom: Double, top: Double, step: Double) {
        if design.type == .eq {
            // An EQ curve is a few dB either way: scale to it, in steps of 3 dB.
            let step = 3.0
            return ((((decibels.min() ?? 0) - 3) / step).rounded(.down) * step, (((decibels.max() ?? 0) + 3) / step).rounded(.up) * step, step)
        }
        let floor = -((design.attenuation ?? 100) + 20).rounded(.up)
        let bottom = (floor / 20).rounded(.down) * 20
        let top = max(10, ((decibels.max() ?? 0) / 10).rounded(.up) * 10 + 10)
        return (bottom, top, top - bottom > 100 ? 20 : 10)
    }

    static func title(_ design: FilterDesign) -> String {
        var parts = ["\(design.type.rawValue)", "\(design.taps) taps"]
        if !design.window.isEmpty { parts.append("\(design.window) window") }
        if let beta = design.beta { parts.append(String(format: "β %.3g", beta)) }
        if design.minimumPhase { parts.append("minimum phase") }
        parts.append("\(Numbers.format(design.rate)) Hz")
        return parts.joined(separator: ", ")
    }

    /// |H| and group delay at `frequencies`, from one zero-padded FFT of h and of n·h.
    static func sampledResponse(_ h: [Double], at frequencies: [Double], rate: Double) throws -> ([Double], [Double]) {
        var size = 1 << 16
        while size < 8 * h.count { size *= 2 }
        let fft = try RealFFT<Double>(size: size, planning: .estimate)
        let time = AlignedBuffer<Double>(count: size)
        let plain = AlignedBuffer<Double>(count: size + 2)
        let ramped = AlignedBuffer<Double>(count: size + 2)
        for (n, value) in h.enumerated() { time.pointer[n] = value }
        fft.forward(time.pointer, spectrum: plain.pointer)
        for (n, value) in h.enumerated() { time.pointer[n] = Double(n) * value }
        fft.forward(time.pointer, spectrum: ramped.pointer)
        var magnitudes: [Double] = [], delays: [Double] = []
        for f in frequencies {
            let bin = min(size / 2, Int((f / rate * Double(size)).rounded()))
            let a = Double(plain.pointer[2 * bin]), b = Double(plain.pointer[2 * bin + 1])
            let c = Double(ramped.pointer[2 * bin]), d = Double(ramped.pointer[2 * bin + 1])
            let power = a * a + b * b
            magnitudes.append(power.squareRoot())
            // τ = Re(FFT(n·h) / FFT(h)).
            delays.append(power > 0 ? (c * a + d * b) / power : 0)
        }
        return (magnitudes, delays)
    }

    /// Round frequencies for a linear axis: steps of 1, 2 or 5 × 10ⁿ, about eight of them.
    static func linearTicks(to high: Double) -> [Double] {
        let rough = high / 8
        let decade = pow(10, log10(rough).rounded(.down))
        let step = [1.0, 2, 5, 10].map { $0 * decade }.first { $0 >= rough } ?? 10 * decade
        return stride(from: 0, through: high, by: step).map { $0 }
    }

    /// Estimated width of a label in the plot's sans-serif font.
    static func labelWidth(_ text: String, size: Double) -> Double { 0.6 * size * Double(text.count) }

    static func frequencyTicks(from low: Double, to high: Double) -> [Double] {
        var ticks: [Double] = []
        var decade = pow(10, log10(low).rounded(.down))
        while decade <= high {
            for m in [1.0, 2, 5] where decade * m >= low && decade * m <= high { ticks.append(decade * m) }
            decade *= 10
        }
        return ticks
    }

    static func hertzLabel(_ f: Double) -> String {
        f >= 1000 ? "\(Numbers.format((f / 100).rounded() / 10))k" : Numbers.format((f * 10).rounded() / 10)
    }
}

/// A few SVG elements, escaped, as text.
struct SVG {
    private var body = ""
    let width: Double, height: Double

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    var document: String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(n(width))" height="\(n(height))" viewBox="0 0 \(n(width)) \(n(height))" font-family="sans-serif">
        <rect width="100%" height="100%" fill="white"/>
        \(body)</svg>

        """
    }

    private func n(_ value: Double) -> String { String(format: "%.1f", value) }

    mutating func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double) {
        body += "<rect x=\"\(n(x))\" y=\"\(n(y))\" width=\"\(n(w))\" height=\"\(n(h))\" fill=\"none\" stroke=\"#444\"/>\n"
    }

    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, dash: String? = nil) {
        let dashing = dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
        body += "<line x1=\"\(n(x1))\" y1=\"\(n(y1))\" x2=\"\(n(x2))\" y2=\"\(n(y2))\" stroke=\"\(stroke)\"\(dashing)/>\n"
    }

    mutating func circle(_ x: Double, _ y: Double, _ r: Double, fill: String) {
        body += "<circle cx=\"\(n(x))\" cy=\"\(n(y))\" r=\"\(n(r))\" fill=\"\(fill)\"/>\n"
    }

    mutating func polyline(_ points: [(Double, Double)], stroke: String) {
        let coordinates = points.map { "\(n($0.0)),\(n($0.1))" }.joined(separator: " ")
        body += "<polyline points=\"\(coordinates)\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"1.6\"/>\n"
    }

    mutating func text(_ x: Double, _ y: Double, _ content: String, size: Double, anchor: String = "start",
                       weight: String = "normal", fill: String = "#222", rotate: Bool = false) {
        let escaped = content.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        let transform = rotate ? " transform=\"rotate(-90 \(n(x)) \(n(y)))\"" : ""
        body += "<text x=\"\(n(x))\" y=\"\(n(y))\" font-size=\"\(n(size))\" text-anchor=\"\(anchor)\" font-weight=\"\(weight)\" fill=\"\(fill)\"\(transform)>\(escaped)</text>\n"
    }
}

/// The scales of one response plot and the drawing of its parts.
private struct ResponseDrawing {
    let design: FilterDesign
    let scale: FrequencyScale
    let lowest: Double
    let decibels: [Double]
    let nyquist: Double
    let bottomDB: Double, topDB: Double, step: Double
    let maxDelay: Double

    typealias Plot = ResponsePlot

    init(design: FilterDesign, scale: FrequencyScale, lowest: Double, decibels: [Double]) {
        self.design = design
        self.scale = scale
        self.lowest = lowest
        self.decibels = decibels
        nyquist = design.rate / 2
        (bottomDB, topDB, step) = ResponsePlot.magnitudeRange(design, decibels: decibels)
        maxDelay = max(1, Double(design.taps - 1))
    }

    func x(_ f: Double) -> Double {
        let fraction = scale == .log ? log(f / lowest) / log(nyquist / lowest) : f / nyquist
        return Plot.left + (Plot.width - Plot.left - Plot.right) * fraction
    }
    func yMagnitude(_ db: Double) -> Double { Plot.magnitudeTop + Plot.magnitudeHeight * (topDB - min(max(db, bottomDB), topDB)) / (topDB - bottomDB) }
    func yDelay(_ d: Double) -> Double { Plot.delayTop + Plot.delayHeight * (1 - min(max(d, 0), maxDelay) / maxDelay) }

    /// Frames, grids, ticks and axis labels.
    func drawAxes(_ svg: inout SVG) {
        let (left, right, width) = (Plot.left, Plot.right, Plot.width)
        let ticks = scale == .log ? Plot.frequencyTicks(from: lowest, to: nyquist) : Plot.linearTicks(to: nyquist)
        for (top, panelHeight) in [(Plot.magnitudeTop, Plot.magnitudeHeight), (Plot.delayTop, Plot.delayHeight)] {
            svg.rect(left, top, width - left - right, panelHeight)
            for tick in ticks { svg.line(x(tick), top, x(tick), top + panelHeight, stroke: "#ddd") }
        }
        // Tick labels that would touch the previous one are left out (their grid lines stay).
        var labels = LabelRow()
        for tick in ticks {
            let label = Plot.hertzLabel(tick)
            if labels.place(centre: x(tick), width: Plot.labelWidth(label, size: 11) + 6) {
                svg.text(x(tick), Plot.delayTop + Plot.delayHeight + 18, label, size: 11, anchor: "middle")
            }
        }
        svg.text(left + (width - left - right) / 2, Plot.height - 12, "frequency (Hz, \(scale.rawValue) scale)", size: 13, anchor: "middle")
        for db in stride(from: bottomDB, through: topDB, by: step) {
            svg.line(left, yMagnitude(db), width - right, yMagnitude(db), stroke: "#ddd")
            svg.text(left - 6, yMagnitude(db) + 4, Numbers.format(db), size: 11, anchor: "end")
        }
        svg.text(18, Plot.magnitudeTop + Plot.magnitudeHeight / 2, "magnitude (dB)", size: 13, anchor: "middle", rotate: true)
        for fraction in [0.0, 0.5, 1.0] {
            let d = maxDelay * fraction
            svg.text(left - 6, yDelay(d) + 4, String(format: "%g", (d * 10).rounded() / 10), size: 11, anchor: "end")
        }
        svg.text(18, Plot.delayTop + Plot.delayHeight / 2, "group delay (samples)", size: 13, anchor: "middle", rotate: true)
    }

    /// The cutoffs, the −6 dB line, the stopband line, the EQ points and the bands of a remez or
    /// firls design. Labels that would overlap move down a row (cutoffs) or below their line.
    func drawSpecification(_ svg: inout SVG) {
        let (left, right, width) = (Plot.left, Plot.right, Plot.width)
        var rows: [LabelRow] = []
        for cutoff in design.cutoffs ?? [] where cutoff > lowest {
            svg.line(x(cutoff), Plot.magnitudeTop, x(cutoff), Plot.magnitudeTop + Plot.magnitudeHeight, stroke: "#c0392b", dash: "6,4")
            let label = "\(Plot.hertzLabel(cutoff)) Hz"
            let span = Plot.labelWidth(label, size: 11)
            // Right of the line, or left of it near the right edge.
            let start = x(cutoff) + 4 + span > width - right ? x(cutoff) - 4 - span : x(cutoff) + 4
            var row = 0
            while true {
                if row == rows.count { rows.append(LabelRow()) }
                if rows[row].place(centre: start + span / 2, width: span + 6) { break }
                row += 1
            }
            svg.text(start, Plot.magnitudeTop + 14 + 14 * Double(row), label, size: 11, fill: "#c0392b")
        }
        var sideLabels: [Double] = []
        func sideLabel(_ text: String, at level: Double, colour: String) {
            var y = yMagnitude(level) - 4
            if sideLabels.contains(where: { abs($0 - y) < 14 }) { y = yMagnitude(level) + 14 }
            sideLabels.append(y)
            svg.text(width - right - 4, y, text, size: 11, anchor: "end", fill: colour)
        }
        if design.cutoffs != nil {
            svg.line(left, yMagnitude(-6), width - right, yMagnitude(-6), stroke: "#c0392b", dash: "2,3")
            sideLabel("−6 dB at the cutoff", at: -6, colour: "#c0392b")
        }
        if let attenuation = design.attenuation {
            svg.line(left, yMagnitude(-attenuation), width - right, yMagnitude(-attenuation), stroke: "#8e44ad", dash: "6,4")
            sideLabel("stopband −\(Numbers.format(attenuation)) dB", at: -attenuation, colour: "#8e44ad")
        }
        for point in design.points ?? [] where point[0] > lowest {
            svg.circle(x(point[0]), yMagnitude(point[1]), 4, fill: "#c0392b")
        }
        // remez, firls: each band's desired amplitude (a stopband at its measured attenuation).
        if design.remezType != .differentiator {
            for band in design.measured.bands ?? [] where band.highHz > lowest {
                let stop = band.desired.allSatisfy { $0 == 0 }
                let levels = stop ? [-band.deviationDB, -band.deviationDB] : band.desired.map { 20 * log10(max($0, 1e-6)) }
                svg.line(x(max(band.lowHz, lowest)), yMagnitude(levels[0]), x(band.highHz), yMagnitude(levels[1]), stroke: "#8e44ad", dash: "6,4")
            }
        }
    }

    /// The magnitude curve, and the group delay where the magnitude is within 60 dB of its peak.
    func drawResponse(_ svg: inout SVG, frequencies: [Double], magnitudes: [Double], delays: [Double]) {
        svg.polyline(zip(frequencies, decibels).map { (x($0), yMagnitude($1)) }, stroke: "#1f5fa8")
        let peak = magnitudes.max() ?? 1
        var segment: [(Double, Double)] = []
        for (i, f) in frequencies.enumerated() {
            if magnitudes[i] > 1e-3 * peak {
                segment.append((x(f), yDelay(delays[i])))
            } else if !segment.isEmpty {
                svg.polyline(segment, stroke: "#27ae60")
                segment = []
            }
        }
        if !segment.isEmpty { svg.polyline(segment, stroke: "#27ae60") }
    }
}

/// Horizontal spans already taken by labels in one row.
private struct LabelRow {
    private var spans: [(Double, Double)] = []

    /// Takes the span `width` wide around `centre` if it is free; whether it was.
    mutating func place(centre: Double, width: Double) -> Bool {
        let span = (centre - width / 2, centre + width / 2)
        guard !spans.contains(where: { $0.0 < span.1 && span.0 < $0.1 }) else { return false }
        spans.append(span)
        return true
    }
}
