import Foundation

/// The null test audio engineers run: subtract one file from another, sample by sample (read as
/// Double, exact for every PCM width), and say how far apart they are — `sfconv diff A B`.
public struct NullTest: Sendable, Codable, Equatable {
    public var a: String
    public var b: String
    public var channels: Int
    public var sampleRate: Int
    /// Frames compared (the shorter file's length), and each file's own.
    public var frames: Int
    public var framesA: Int
    public var framesB: Int
    /// Every compared sample equal and both files the same length.
    public var bitIdentical: Bool
    public var differingSamples: Int
    /// The first differing sample, when there is one.
    public var firstDifferenceFrame: Int?
    public var firstDifferenceChannel: Int?
    /// Full scale = 1. Differences in dBFS are nil when there are none.
    public var maxDifference: Double
    public var rmsDifference: Double
    public var maxDifferenceDB: Double?
    public var rmsDifferenceDB: Double?
    /// The LSB the figures are counted in: the finer integer encoding of the two (bits), nil when
    /// both are floating point.
    public var lsbBits: Int?
    public var maxDifferenceLSB: Double?
    public var rmsDifferenceLSB: Double?

    /// Compares `pathA` with `pathB`, streaming both (memory flat). Different channel counts or
    /// rates are an error; different lengths are compared over the shorter and reported.
    public static func compare(_ pathA: String, _ pathB: String) throws -> NullTest {
        let readerA = try SoundFileReader(path: pathA), readerB = try SoundFileReader(path: pathB)
        guard readerA.channelCount == readerB.channelCount else {
            throw SFConvError("cannot compare \(readerA.channelCount) channel(s) with \(readerB.channelCount) (\(pathA), \(pathB))")
        }
        guard readerA.sampleRate == readerB.sampleRate else {
            throw SFConvError("cannot compare \(readerA.sampleRate) Hz with \(readerB.sampleRate) Hz (\(pathA), \(pathB))")
        }
        let channels = readerA.channelCount, block = 1 << 15
        var bufferA = [Double](repeating: 0, count: block * channels), bufferB = bufferA
        var compared = 0, differing = 0, largest = 0.0, sumOfSquares = 0.0
        var first: (Int, Int)?
        var endA = false, endB = false
        while !endA && !endB {
            let gotA = try bufferA.withUnsafeMutableBufferPointer { try readerA.read(into: $0.baseAddress!, frameCount: block) }
            let gotB = try bufferB.withUnsafeMutableBufferPointer { try readerB.read(into: $0.baseAddress!, frameCount: block) }
            // Both files are read in equal blocks, so they stay in step until the shorter ends.
            let n = min(gotA, gotB)
            endA = gotA < block
            endB = gotB < block
            for i in 0..<(n * channels) {
                let d = bufferA[i] - bufferB[i]
                guard d != 0 else { continue }
                differing += 1
                if first == nil { first = (compared + i / channels, i % channels + 1) }
                largest = max(largest, abs(d))
                sumOfSquares += d * d
            }
            compared += n
            if gotA > n { endB = true }
            if gotB > n { endA = true }
        }
        // The rest of the longer file, for its true length.
        var scratch = [Double](repeating: 0, count: block * channels)
        for reader in [readerA, readerB] {
            while try scratch.withUnsafeMutableBufferPointer({ try reader.read(into: $0.baseAddress!, frameCount: block) }) > 0 {}
        }
        let samples = Double(max(1, compared * channels))
        let rms = (sumOfSquares / samples).squareRoot()
        let integerBits = [readerA.format, readerB.format].compactMap { $0.sampleSubtype }.filter(\.isInteger).map(\.bitDepth).max()
        let lsb = integerBits.map { pow(2, -Double($0 - 1)) }
        return NullTest(a: pathA, b: pathB, channels: channels, sampleRate: readerA.sampleRate, frames: compared,
                        framesA: readerA.framesRead, framesB: readerB.framesRead,
                        bitIdentical: differing == 0 && readerA.framesRead == readerB.framesRead,
                        differingSamples: differing, firstDifferenceFrame: first?.0, firstDifferenceChannel: first?.1,
                        maxDifference: largest, rmsDifference: rms,
                        maxDifferenceDB: largest > 0 ? 20 * log10(largest) : nil, rmsDifferenceDB: rms > 0 ? 20 * log10(rms) : nil,
                        lsbBits: integerBits, maxDifferenceLSB: lsb.map { largest / $0 }, rmsDifferenceLSB: lsb.map { rms / $0 })
    }

    /// The verdict in a few lines.
    public var text: String {
        var lines = ["\(a) vs \(b): \(channels) channel(s) at \(sampleRate) Hz, \(frames) frames compared"]
        if framesA != framesB { lines.append("lengths differ: \(framesA) vs \(framesB) frames") }
        if bitIdentical {
            lines.append("bit-identical")
        } else if differingSamples == 0 {
            lines.append("identical over the compared frames, but the lengths differ")
        } else {
            func lsb(_ value: Double?) -> String { value.map { String(format: " (%.3g LSB at %d bits)", $0, lsbBits ?? 0) } ?? "" }
            lines.append("\(differingSamples) sample(s) differ, the first at frame \(firstDifferenceFrame ?? 0), channel \(firstDifferenceChannel ?? 0)")
            lines.append(String(format: "max difference %.3g (%.1f dBFS)", maxDifference, maxDifferenceDB ?? -.infinity) + lsb(maxDifferenceLSB))
            lines.append(String(format: "rms difference %.3g (%.1f dBFS)", rmsDifference, rmsDifferenceDB ?? -.infinity) + lsb(rmsDifferenceLSB))
        }
        return lines.joined(separator: "\n")
    }
}
