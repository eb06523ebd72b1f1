import Foundation

/// How long a measured impulse response is kept.
public enum IRLength: Sendable, Equatable {
    /// To where the decay meets the noise floor (Lundeby), the latest of the channels.
    case auto
    /// Seconds from the start of the kept response (a few ms before the direct sound).
    case seconds(Double)
}

/// An impulse response measured from a recorded sweep: one channel per recorded channel, aligned
/// to the direct sound, cut, faded and peak-normalised; the harmonic distortion products apart.
public struct ImpulseMeasurement: Sendable {
    /// The linear impulse response, peak at ``peakLevel`` dBFS.
    public var impulseResponse: AudioBuffer
    /// The responses of the 2nd, 3rd, … harmonics, scaled like the linear one (so their level
    /// relative to it shows the distortion).
    public var harmonics: [AudioBuffer]
    public var channels: [ChannelReport]
    /// Where the response starts in the recording (the system's latency minus the lead kept), seconds.
    public var startInRecording: Double
    /// The gain applied to normalise the peak, in dB.
    public var gain: Double
    /// The sweep's band and rate constant as found from the sweep.
    public var band: ClosedRange<Double>
    public var rateConstant: Double
    /// Set when `--length` asked for more than the recording holds after the direct sound (seconds asked, seconds kept).
    public var shortened: (asked: Double, kept: Double)?

    /// What `deconvolve` reports per channel.
    public struct ChannelReport: Sendable, Equatable {
        public var channel: Int
        /// The noise floor of the written response, dBFS (mean power).
        public var noiseFloor: Double
        /// The peak's power over the noise's mean power, dB.
        public var peakToNoise: Double
        /// Broadband T30 (T20 when the range does not allow T30), seconds; nil when neither is possible.
        public var rt60: Double?
        /// "T30" or "T20", what `rt60` is.
        public var rt60Kind: String?
        /// From the start of the written response to where the decay meets the noise, seconds.
        public var lengthToNoise: Double
    }

    /// The peak level of the written response, dBFS.
    public static let peakLevel = -1.0
    /// What is kept before the direct sound's onset, seconds.
    public static let lead = 0.005

    /// Measures the impulse response of each channel of `recording` to `sweep` (its first channel).
    /// - Parameters: `harmonicCount`, how many distortion products (2nd …) to extract; paths for messages.
    public static func measure(recording: AudioBuffer, sweep: AudioBuffer, length: IRLength, harmonicCount: Int,
                               recordingPath: String? = nil, sweepPath: String? = nil) throws -> ImpulseMeasurement {
        guard recording.sampleRate == sweep.sampleRate else {
            throw SFConvError("the recording is at \(recording.sampleRate) Hz but the sweep at \(sweep.sampleRate) Hz (\(sweepPath ?? "sweep")); "
                + "record at the sweep's rate or resample one of them", path: recordingPath)
        }
        let rate = recording.sampleRate
        guard recording.frameCount > 0 else { throw SFConvError("the recording is empty", path: recordingPath) }
        let deconvolver = try SweepDeconvolver(sweep: sweep.channels[0], sampleRate: rate, path: sweepPath)
        guard recording.frameCount > deconvolver.activeEnd else {
            throw SFConvError(String(format: "the recording (%.3f s) is shorter than the sweep (%.3f s): it must hold the whole sweep and the room's decay after it",
                                     Double(recording.frameCount) / Double(rate), Double(deconvolver.activeEnd) / Double(rate)), path: recordingPath)
        }
        let channels = recording.channels
        for (index, channel) in channels.enumerated() {
            guard channel.allSatisfy(\.isFinite) else { throw SFConvError("channel \(index + 1) holds a NaN or infinite sample", path: recordingPath) }
        }
        guard channels.contains(where: { $0.contains { $0 != 0 } }) else {
            throw SFConvError("the recording is silent", path: recordingPath)
        }
        let responses = try deconvolver.responses(of: channels)
        let zeroLag = responses[0].zeroLag, lastLag = responses[0].lastFullLag

        // The direct sound: the strongest peak at a lag from 0 to the last full one, on any channel;
        // its onset (the first frame within 20 dB of the peak) on the earliest channel.
        var onset = Int.max
        for response in responses {
            let causal = Array(response.samples[zeroLag...(zeroLag + lastLag)])
            guard causal.contains(where: { $0 != 0 }) else { continue }
            onset = min(onset, RoomAcoustics.onsetIndex(causal))
        }
        guard onset != Int.max else { throw SFConvError("no response to the sweep in the recording (silent after deconvolution)", path: recordingPath) }
        let leadFrames = Int((lead * Double(rate)).rounded())
        let start = max(-leadFrames, onset - leadFrames)
        let available = lastLag - start + 1
        guard available >= rate / 10 else {
            throw SFConvError(String(format: "the recording ends %.3f s after the direct sound: record at least the room's decay after the sweep (the sweep file's silence)",
                                     Double(max(0, lastLag - onset)) / Double(rate)), path: recordingPath)
        }

        // Each channel's full response from `start`, analysed for its noise floor and decay.
        let full = responses.map { Array($0.samples[(zeroLag + start)...(zeroLag + lastLag)]) }
        var analyses: [ChannelAcoustics] = []
        for (index, response) in full.enumerated() {
            guard response.contains(where: { $0 != 0 }) else {
                throw SFConvError("channel \(index + 1) holds no response to the sweep", path: recordingPath)
            }
            analyses.append(try RoomAcoustics.analyze(channel: response, rate: rate, bands: [], channel: index + 1, of: full.count, path: recordingPath))
        }

        let frames: Int
        var shortened: (Double, Double)?
        switch length {
        case .seconds(let seconds):
            let asked = max(1, Int((min(max(seconds, 0), 86400) * Double(rate)).rounded()))
            frames = min(available, asked)
            if asked > available { shortened = (seconds, Double(available) / Double(rate)) }
        case .auto:
            let toNoise = analyses.map(\.lengthToNoise).max() ?? 0
            frames = min(available, max(rate / 20, Int((toNoise * Double(rate)).rounded())))
        }
        guard frames > onset - start else {
            throw SFConvError(String(format: "--length must reach past the direct sound, %.1f ms into the IR", Double(onset - start) * 1000 / Double(rate)))
        }
        let peak = full.map { $0.prefix(frames).map(abs).max() ?? 0 }.max() ?? 0
        guard peak > 0 else { throw SFConvError("the impulse response is silent", path: recordingPath) }
        let gain = pow(10, peakLevel / 20) / peak
        // A half-Hann fade over the last tenth of the response, at most 100 ms.
        let fadeFrames = max(1, min(frames / 10, rate / 10))
        let cut: [[Sample]] = full.map { response in
            (0..<frames).map { i in
                let fromEnd = frames - 1 - i
                let fade = fromEnd < fadeFrames ? 0.5 - 0.5 * cos(Double.pi * Double(fromEnd) / Double(fadeFrames)) : 1
                return Sample(response[i] * gain * fade)
            }
        }

        // The k-th harmonic's response lies L·ln(k) before the linear one: from there (less the
        // lead) to where the (k−1)-th begins.
        var harmonics: [AudioBuffer] = []
        let l = deconvolver.rateConstant * Double(rate)
        for k in 2..<(2 + max(0, harmonicCount)) where l.isFinite && l > 0 && l < Double(zeroLag + 1) {
            let from = start - Int((l * log(Double(k))).rounded())
            let to = start - Int((l * log(Double(k - 1))).rounded())
            guard from + zeroLag >= 0, to > from else { break }
            harmonics.append(AudioBuffer(channels: responses.map { response in
                (from..<to).map { Sample(response.samples[zeroLag + $0] * gain) }
            }, sampleRate: rate))
        }

        let gainDB = 20 * log10(gain)
        let reports = analyses.map { analysis in
            let t = analysis.broadband.t30 ?? analysis.broadband.t20
            return ChannelReport(channel: analysis.channel, noiseFloor: analysis.noiseFloor + gainDB,
                                 peakToNoise: analysis.peakLevel - analysis.noiseFloor,
                                 rt60: t, rt60Kind: analysis.broadband.t30 != nil ? "T30" : (t != nil ? "T20" : nil),
                                 lengthToNoise: analysis.lengthToNoise)
        }
        return ImpulseMeasurement(impulseResponse: AudioBuffer(channels: cut, sampleRate: rate), harmonics: harmonics,
                                  channels: reports, startInRecording: Double(start) / Double(rate), gain: gainDB,
                                  band: deconvolver.band, rateConstant: deconvolver.rateConstant, shortened: shortened)
    }
}

extension ImpulseMeasurement.ChannelReport: Encodable {
    enum CodingKeys: String, CodingKey {
        case channel, noiseFloor = "noise_floor_db", peakToNoise = "peak_to_noise_db", rt60 = "rt60_s", rt60Kind = "rt60_from"
        case lengthToNoise = "length_to_noise_s"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(channel, forKey: .channel)
        try c.encode(rounded(noiseFloor, 2), forKey: .noiseFloor)
        try c.encode(rounded(peakToNoise, 2), forKey: .peakToNoise)
        try c.encode(rounded(rt60, 4), forKey: .rt60)
        try c.encode(rt60Kind, forKey: .rt60Kind)
        try c.encode(rounded(lengthToNoise, 4), forKey: .lengthToNoise)
    }
}
