import Foundation

/// What a picture shows of one audio stream, reduced to pixel columns as the stream is read:
/// per column, the mean power spectrum on logarithmic frequency rows and the lowest and highest
/// sample. Memory is fixed by the column and row counts, whatever the stream's length.
struct ColumnSummary {
    /// In Hz.
    var sampleRate: Int
    /// Frames read.
    var frameCount: Int
    /// Frames each column covers: column c is frames `c·framesPerColumn ..< (c+1)·framesPerColumn`.
    var framesPerColumn: Int
    var columnCount: Int
    var rowCount: Int
    /// Row-major by column (`column * rowCount + row`, row 0 lowest): power relative to a
    /// full-scale sine in its bin (1 = 0 dBFS); NaN for rows above the stream's Nyquist frequency.
    var power: [Float]
    /// Per column, the lowest and highest sample over all channels (0 where no frame fell).
    var minimum: [Float]
    var maximum: [Float]

    var duration: Double { Double(frameCount) / Double(sampleRate) }

    /// Level in dB re full scale at `column` and `row`, at least `floor`; nil above Nyquist.
    func decibels(column: Int, row: Int, floor: Double) -> Double? {
        let value = power[column * rowCount + row]
        if value.isNaN { return nil }
        return max(floor, 10 * log10(max(Double(value), 1e-30)))
    }

    /// The highest level anywhere, in dB re full scale (−∞ for silence).
    var peakDecibels: Double {
        let peak = power.lazy.filter { !$0.isNaN }.max() ?? 0
        return peak > 0 ? 10 * log10(Double(peak)) : -.infinity
    }

    var peakSample: Float {
        max(minimum.map { -$0 }.max() ?? 0, maximum.max() ?? 0)
    }
}

/// The frequency rows shared by every picture in one plot: `rowCount` rows spaced evenly in
/// log frequency from `lowFrequency` to `highFrequency` (Hz), row 0 lowest.
struct FrequencyRows: Equatable {
    var lowFrequency: Double
    var highFrequency: Double
    var rowCount: Int

    /// The frequency at the lower edge of `row` (its upper edge is the next row's lower edge).
    func edge(_ row: Double) -> Double { lowFrequency * pow(highFrequency / lowFrequency, row / Double(rowCount)) }

    /// The row holding `frequency` (may be outside 0..<rowCount).
    func row(for frequency: Double) -> Int { Int((log(frequency / lowFrequency) / log(highFrequency / lowFrequency) * Double(rowCount)).rounded(.down)) }
}

/// Reduces a stream of interleaved frames to a ``ColumnSummary``: a short-time Fourier transform
/// (Hann window, RealFFT) of the channels' mean, each transform's power taken per frequency row
/// (the highest bin in the row) and averaged per column; columns are merged in pairs whenever
/// the stream outgrows them, so a stream of unknown length still fits.
final class ColumnAnalyzer {
    let sampleRate: Int
    let channelCount: Int
    let rows: FrequencyRows
    let columnCount: Int
    let fftSize: Int
    let hop: Int

    private let fft: RealFFT<Float>
    private let window: [Float]
    private let timeBuffer: AlignedBuffer<Float>
    private let spectrumBuffer: AlignedBuffer<Float>
    /// Per row, the bins it takes its level from (NaN rows: lowBin > highBin, above Nyquist).
    private let lowBin: [Int]
    private let highBin: [Int]
    /// Per row narrower than a bin, how far its centre lies from `lowBin` towards the next bin
    /// (0 for wider rows, which take their highest bin).
    private let interpolationFraction: [Float]
    /// Power normalisation: a full-scale sine's peak bin reads 1.
    private let powerScale: Float

    private var framesPerColumn: Int
    private var powerSums: [Float]
    private var transformCounts: [Int]
    private var minimum: [Float]
    private var maximum: [Float]
    private var touched: [Bool]

    /// Mono samples not yet fully used, starting at stream frame `pendingStart` (negative at first:
    /// half a window of silence before the stream, so the first transform is centred on frame 0).
    private var pending: [Float] = []
    private var pendingStart: Int
    private var nextCenter = 0
    private var framesRead = 0

    /// - Parameters:
    ///   - expectedFrameCount: the stream's length if known (sizes the columns; a wrong guess only
    ///     costs resolution).
    ///   - columnCount: the picture's width in columns, at least 1.
    init(sampleRate: Int, channelCount: Int, expectedFrameCount: Int?, columnCount: Int, rows: FrequencyRows) throws {
        precondition(columnCount > 0 && rows.rowCount > 0 && channelCount > 0)
        self.sampleRate = sampleRate
        self.channelCount = channelCount
        self.rows = rows
        self.columnCount = columnCount
        // About 46 ms: 2048 points at 44.1 and 48 kHz.
        var size = 256
        while Double(size) < 0.04 * Double(sampleRate) && size < 1 << 16 { size *= 2 }
        fftSize = size
        if let expected = expectedFrameCount, expected > 0 {
            hop = max(16, min(size / 4, expected / columnCount))
            framesPerColumn = max(1, (expected + columnCount - 1) / columnCount)
        } else {
            hop = size / 4
            framesPerColumn = hop
        }
        fft = try RealFFT<Float>.shared(size: size, planning: .estimate)
        window = (0..<size).map { Float(0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(size))) }
        timeBuffer = AlignedBuffer<Float>(count: size)
        spectrumBuffer = AlignedBuffer<Float>(count: size + 2)
        let windowSum = window.reduce(0, +)
        powerScale = 1 / ((windowSum / 2) * (windowSum / 2))
        let nyquist = Double(sampleRate) / 2
        let binWidth = Double(sampleRate) / Double(size)
        var low: [Int] = [], high: [Int] = [], interpolation: [Float] = []
        for row in 0..<rows.rowCount {
            let bottom = rows.edge(Double(row)), top = rows.edge(Double(row + 1))
            if bottom >= nyquist {
                low.append(1)
                high.append(0)
                interpolation.append(0)
                continue
            }
            var first = Int((bottom / binWidth).rounded(.up)), last = Int((top / binWidth).rounded(.down))
            last = min(last, size / 2)
            var fraction: Float = 0
            if first > last {
                // A row narrower than a bin: the power interpolated between the two bins around its centre.
                let position = min(Double(size / 2), rows.edge(Double(row) + 0.5) / binWidth)
                first = min(size / 2 - 1, Int(position.rounded(.down)))
                last = first
                fraction = Float(min(1, position - Double(first)))
            }
            low.append(first)
            high.append(last)
            interpolation.append(fraction)
        }
        lowBin = low
        highBin = high
        interpolationFraction = interpolation
        powerSums = [Float](repeating: 0, count: columnCount * rows.rowCount)
        transformCounts = [Int](repeating: 0, count: columnCount)
        minimum = [Float](repeating: 0, count: columnCount)
        maximum = [Float](repeating: 0, count: columnCount)
        touched = [Bool](repeating: false, count: columnCount)
        pending = [Float](repeating: 0, count: size / 2)
        pendingStart = -size / 2
    }

    /// Takes `frameCount` interleaved frames (analysed in single precision: a picture needs no more).
    func process(_ frames: UnsafePointer<Sample>, frameCount: Int) {
        let channels = channelCount
        let scale = 1 / Float(channels)
        pending.reserveCapacity(pending.count + frameCount)
        for frame in 0..<frameCount {
            let absolute = framesRead + frame
            var column = absolute / framesPerColumn
            while column >= columnCount {
                mergeColumns()
                column = absolute / framesPerColumn
            }
            var sum: Float = 0
            var low = touched[column] ? minimum[column] : Float.infinity
            var high = touched[column] ? maximum[column] : -Float.infinity
            for c in 0..<channels {
                let value = Float(frames[frame * channels + c])
                sum += value
                low = min(low, value)
                high = max(high, value)
            }
            minimum[column] = low
            maximum[column] = high
            touched[column] = true
            pending.append(sum * scale)
        }
        framesRead += frameCount
        runTransforms()
    }

    /// The stream has ended: the last transforms (padded with silence), and the summary.
    func finish() -> ColumnSummary {
        pending.append(contentsOf: repeatElement(0, count: fftSize / 2))
        runTransforms()
        var power = [Float](repeating: .nan, count: columnCount * rows.rowCount)
        let usedColumns = min(columnCount, max(1, (framesRead + framesPerColumn - 1) / framesPerColumn))
        var lastFilled: Int?
        for column in 0..<columnCount {
            // A column no transform landed in (a hop wider than a column) repeats the one before.
            let source = transformCounts[column] > 0 ? column : (lastFilled ?? column)
            if transformCounts[column] > 0 { lastFilled = column }
            for row in 0..<rows.rowCount where lowBin[row] <= highBin[row] {
                let count = transformCounts[source]
                power[column * rows.rowCount + row] = count > 0 ? powerSums[source * rows.rowCount + row] / Float(count) : 0
            }
        }
        return ColumnSummary(sampleRate: sampleRate, frameCount: framesRead, framesPerColumn: framesPerColumn,
                             columnCount: usedColumns, rowCount: rows.rowCount, power: power, minimum: minimum, maximum: maximum)
    }

    /// Transforms every window centred at `nextCenter` whose samples have all arrived.
    private func runTransforms() {
        let half = fftSize / 2
        while nextCenter < framesRead {
            let start = nextCenter - half - pendingStart
            guard start + fftSize <= pending.count else { break }
            transform(at: start)
            nextCenter += hop
        }
        // Keep only what later windows need.
        let keepFrom = nextCenter - half - pendingStart
        if keepFrom > 4 * fftSize {
            pending.removeFirst(keepFrom)
            pendingStart += keepFrom
        }
    }

    private func transform(at start: Int) {
        let time = timeBuffer.pointer
        pending.withUnsafeBufferPointer { samples in
            for i in 0..<fftSize { time[i] = samples[start + i] * window[i] }
        }
        fft.forward(time, spectrum: spectrumBuffer.pointer)
        var column = nextCenter / framesPerColumn
        while column >= columnCount {
            mergeColumns()
            column = nextCenter / framesPerColumn
        }
        let spectrum = spectrumBuffer.pointer
        let base = column * rows.rowCount
        func power(_ bin: Int) -> Float {
            let re = spectrum[2 * bin], im = spectrum[2 * bin + 1]
            return re * re + im * im
        }
        for row in 0..<rows.rowCount where lowBin[row] <= highBin[row] {
            let fraction = interpolationFraction[row]
            var level: Float
            if fraction > 0 {
                level = power(lowBin[row]) * (1 - fraction) + power(lowBin[row] + 1) * fraction
            } else {
                level = 0
                for bin in lowBin[row]...highBin[row] { level = max(level, power(bin)) }
            }
            powerSums[base + row] += level * powerScale
        }
        transformCounts[column] += 1
    }

    /// Halves the time resolution: column pairs become one column, covering twice the frames.
    private func mergeColumns() {
        let rowCount = rows.rowCount
        for target in 0..<columnCount {
            let a = 2 * target, b = 2 * target + 1
            var sums = [Float](repeating: 0, count: rowCount)
            var count = 0, low = Float.infinity, high = -Float.infinity, any = false
            for source in [a, b] where source < columnCount {
                for row in 0..<rowCount { sums[row] += powerSums[source * rowCount + row] }
                count += transformCounts[source]
                if touched[source] {
                    any = true
                    low = min(low, minimum[source])
                    high = max(high, maximum[source])
                }
            }
            for row in 0..<rowCount { powerSums[target * rowCount + row] = sums[row] }
            transformCounts[target] = count
            minimum[target] = any ? low : 0
            maximum[target] = any ? high : 0
            touched[target] = any
        }
        framesPerColumn *= 2
    }
}
