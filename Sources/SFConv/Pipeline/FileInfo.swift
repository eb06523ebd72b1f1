import Foundation

/// What `sfconv info` reports about a file. Reading it scans every sample (for the peak and the
/// true frame count), block by block.
public struct FileInfo: Sendable, Codable, Equatable {
    public var path: String
    /// libsndfile's container name, e.g. "WAV (Microsoft)".
    public var container: String
    /// libsndfile's name of the sample encoding, e.g. "32 bit float".
    public var subtype: String
    /// A short name: pcm16, pcm24, float, vorbis, …
    public var encoding: String
    public var channels: Int
    public var sampleRate: Int
    /// Frames actually read.
    public var frames: Int
    /// Frames the header declares, nil when it declares none.
    public var declaredFrames: Int?
    /// Seconds.
    public var duration: Double
    /// Peak level in dBFS; nil for digital silence.
    public var peakDBFS: Double?
    /// EBU R128 loudness, when asked for (`info --loudness`).
    public var loudness: Loudness?

    /// Opens the file once (a pipe can be read only once); `progress` makes a bar for the frames the header declares.
    public static func read(path: String, loudness measureLoudness: Bool = false, diagnostics: Diagnostics = .silent,
                            progress makeProgress: (Int?) -> ProgressBar? = { _ in nil }) throws -> FileInfo {
        let reader = try SoundFileReader(path: path)
        let meter = measureLoudness ? try LoudnessMeter(channelCount: reader.channelCount, sampleRate: reader.sampleRate) : nil
        let progress = makeProgress(reader.declaredFrameCount)
        var framesRead = 0
        let blockFrames = 1 << 16
        var block = [Sample](repeating: 0, count: blockFrames * reader.channelCount)
        var peak: Sample = 0
        try block.withUnsafeMutableBufferPointer { buffer in
            while true {
                let got = try reader.read(into: buffer.baseAddress!, frameCount: blockFrames)
                if got == 0 { break }
                peak = max(peak, SampleScan.peak(buffer.baseAddress!, count: got * reader.channelCount))
                try meter?.add(buffer.baseAddress!, frameCount: got)
                framesRead += got
                progress?.update(framesRead)
            }
        }
        progress?.finish()
        reader.finish(diagnostics: diagnostics)
        return try FileInfo(
            path: reader.path,
            container: reader.format.containerName,
            subtype: reader.format.subtypeName,
            encoding: reader.format.subtypeShortName,
            channels: reader.channelCount,
            sampleRate: reader.sampleRate,
            frames: reader.framesRead,
            declaredFrames: reader.declaredFrameCount,
            duration: Double(reader.framesRead) / Double(reader.sampleRate),
            peakDBFS: peak > 0 ? 20 * log10(Double(peak)) : nil,
            loudness: meter?.result())
    }
}
