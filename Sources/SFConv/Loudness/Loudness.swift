import CEBUR128
import Foundation

/// Loudness as podcasters and streaming platforms measure it: EBU R128 / ITU-R BS.1770-4, by
/// libebur128. Each figure is −∞ where it is undefined (silence, or shorter than its window);
/// JSON writes it as null (keys `integratedLUFS`, `rangeLU`, `truePeakDBTP`).
public struct Loudness: Sendable, Equatable, Codable {
    /// Integrated (gated) loudness in LUFS.
    public var integrated: Double
    /// Loudness range in LU (EBU Tech 3342).
    public var range: Double
    /// The highest true (4× oversampled) peak over all channels, in dBTP.
    public var truePeak: Double

    enum CodingKeys: String, CodingKey {
        case integrated = "integratedLUFS", range = "rangeLU", truePeak = "truePeakDBTP"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        for (key, value) in [(CodingKeys.integrated, integrated), (.range, range), (.truePeak, truePeak)] {
            try c.encode(value.isFinite ? value : nil, forKey: key)
        }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        integrated = try c.decodeIfPresent(Double.self, forKey: .integrated) ?? -.infinity
        range = try c.decodeIfPresent(Double.self, forKey: .range) ?? -.infinity
        truePeak = try c.decodeIfPresent(Double.self, forKey: .truePeak) ?? -.infinity
    }

    public init(integrated: Double, range: Double, truePeak: Double) {
        self.integrated = integrated
        self.range = range
        self.truePeak = truePeak
    }

    /// The figures after a gain of `decibels`: loudness and peaks move by it, the range does not.
    public func adding(decibels: Double) -> Loudness {
        Loudness(integrated: integrated + decibels, range: range, truePeak: truePeak + decibels)
    }

    /// `-16.0 LUFS, range 4.2 LU, true peak -1.0 dBTP`.
    public var description: String {
        func figure(_ value: Double, _ unit: String) -> String { value.isFinite ? String(format: "%.1f %@", value, unit) : "-inf \(unit)" }
        return "\(figure(integrated, "LUFS")), range \(figure(range, "LU")), true peak \(figure(truePeak, "dBTP"))"
    }

    /// Measures a whole file, streaming (memory flat).
    public static func measure(path: String) throws -> Loudness {
        let reader = try SoundFileReader(path: path)
        return try measure(reader)
    }

    /// Measures what `source` reads, to its end.
    public static func measure(_ source: FrameSource) throws -> Loudness {
        let meter = try LoudnessMeter(channelCount: source.channelCount, sampleRate: source.sampleRate)
        let blockFrames = 16384
        let buffer = UnsafeMutablePointer<Sample>.allocate(capacity: blockFrames * source.channelCount)
        defer { buffer.deallocate() }
        while true {
            let count = try source.read(into: buffer, frameCount: blockFrames)
            if count == 0 { break }
            try meter.add(buffer, frameCount: count)
        }
        source.finish(diagnostics: .silent)
        return try meter.result()
    }
}

/// A streaming BS.1770 meter: add interleaved frames, then read the figures.
public final class LoudnessMeter {
    private let state: UnsafeMutablePointer<ebur128_state>
    public let channelCount: Int

    public init(channelCount: Int, sampleRate: Int) throws {
        let mode = Int32(EBUR128_MODE_I.rawValue | EBUR128_MODE_LRA.rawValue | EBUR128_MODE_TRUE_PEAK.rawValue)
        guard channelCount >= 1, sampleRate >= 1,
              let state = ebur128_init(UInt32(channelCount), UInt(sampleRate), mode) else {
            throw SFConvError("cannot measure loudness of \(channelCount) channel(s) at \(sampleRate) Hz")
        }
        self.state = state
        self.channelCount = channelCount
        // libebur128 maps the first six channels (L R C LFE Ls Rs) and ignores the rest. 7.1's
        // side channels (7, 8) weigh as surrounds (BS.1770-4: ±90°); beyond that, weight 1.
        for channel in 6..<max(6, channelCount) {
            let position = channelCount == 8 ? (channel == 6 ? EBUR128_Mp090 : EBUR128_Mm090) : EBUR128_Mp000
            _ = ebur128_set_channel(state, UInt32(channel), Int32(position.rawValue))
        }
    }

    deinit {
        var pointer: UnsafeMutablePointer<ebur128_state>? = state
        ebur128_destroy(&pointer)
    }

    public func add(_ frames: UnsafePointer<Sample>, frameCount: Int) throws {
        guard ebur128_add_frames_double(state, frames, frameCount) == Int32(EBUR128_SUCCESS.rawValue) else {
            throw SFConvError("the loudness meter failed (out of memory)")
        }
    }

    public func result() throws -> Loudness {
        var integrated = -Double.infinity, range = 0.0, peak = 0.0
        if ebur128_loudness_global(state, &integrated) != Int32(EBUR128_SUCCESS.rawValue) { integrated = -.infinity }
        if ebur128_loudness_range(state, &range) != Int32(EBUR128_SUCCESS.rawValue) { range = 0 }
        for channel in 0..<channelCount {
            var channelPeak = 0.0
            if ebur128_true_peak(state, UInt32(channel), &channelPeak) == Int32(EBUR128_SUCCESS.rawValue) { peak = max(peak, channelPeak) }
        }
        return Loudness(integrated: integrated, range: range, truePeak: peak > 0 ? 20 * log10(peak) : -.infinity)
    }
}

/// `--normalize-loudness`: the gain that brings integrated loudness to a target, held back where
/// the true peak would pass a ceiling (a gain only: no limiter colours the sound).
public struct LoudnessTarget: Sendable, Equatable {
    /// LUFS.
    public var integrated: Double
    /// dBTP; nil for no ceiling.
    public var truePeakCeiling: Double?

    public init(integrated: Double, truePeakCeiling: Double? = nil) {
        self.integrated = integrated
        self.truePeakCeiling = truePeakCeiling
    }

    /// The gain in dB for audio measuring `measured`, and why it falls short of the target, if it does.
    public func gain(for measured: Loudness) -> (decibels: Double, limitedBy: String?) {
        guard measured.integrated.isFinite else { return (0, "the output has no measurable loudness (silence, or under 400 ms)") }
        var gain = integrated - measured.integrated
        if let ceiling = truePeakCeiling, measured.truePeak.isFinite, measured.truePeak + gain > ceiling {
            gain = ceiling - measured.truePeak
            return (gain, String(format: "the true peak would pass %.1f dBTP: %.1f LUFS instead of %.1f", ceiling, measured.integrated + gain, integrated))
        }
        return (gain, nil)
    }
}
