import Foundation

/// The ISO 3382-1 figures of one impulse response (broadband or one band).
///
/// Times are in seconds, levels in dB, D50 a ratio from 0 to 1. A decay time is nil when the
/// response's decay range does not allow it (then `note` says why).
public struct DecayParameters: Sendable, Equatable {
    /// T20, T30 and EDT from the Schroeder curve (−5…−25 dB, −5…−35 dB, 0…−10 dB), extrapolated to 60 dB.
    public var t20: Double?
    public var t30: Double?
    public var edt: Double?
    /// r² of each line fit: well below 1 (under 0.99, ISO 3382's ξ above 10 ‰) flags a non-linear decay.
    public var t20R2: Double?
    public var t30R2: Double?
    public var edtR2: Double?
    /// Clarity (dB), definition (ratio) and centre time (s), with the onset as time zero.
    public var c50: Double?
    public var c80: Double?
    public var d50: Double?
    public var ts: Double?
    /// Direct-to-reverberant ratio in dB: the energy within ±2.5 ms of the peak against the rest.
    public var drr: Double?
    /// The decay range in dB: the late decay line (Lundeby) at the onset over the noise's mean power
    /// (at most the peak's power over it).
    /// T30 needs 45 dB (its −35 dB end 10 dB above the noise), T20 35 dB, EDT 20 dB.
    public var decayRange: Double
    /// Why a figure is missing or doubtful; nil when all is well.
    public var note: String?
}

/// One band's figures.
public struct BandParameters: Sendable, Equatable {
    public var centre: Double
    public var parameters: DecayParameters
}

/// All figures of one channel of an impulse response.
public struct ChannelAcoustics: Sendable, Equatable {
    /// 1-based.
    public var channel: Int
    public var broadband: DecayParameters
    public var bands: [BandParameters]
    /// The broadband noise floor in dBFS (mean power of the noise), and the time from the file's
    /// start to where the decay meets it, in seconds.
    public var noiseFloor: Double
    public var lengthToNoise: Double
    /// The peak's level in dBFS and its time in seconds.
    public var peakLevel: Double
    public var peakTime: Double
}

/// Which bands `analyze` reports.
public enum BandSet: String, CaseIterable, Sendable {
    case octave, third, none

    public var bands: [OctaveBand] {
        switch self {
        case .octave: OctaveBand.octaves
        case .third: OctaveBand.thirds
        case .none: []
        }
    }
}

public enum RoomAcoustics {
    /// The decay range each decay time needs: its lower fit limit at least 10 dB above the noise.
    static let rangeNeeded: (edt: Double, t20: Double, t30: Double) = (20, 35, 45)
    /// Under this decay range (dB) there is no decay to speak of: no figure at all.
    static let minimumRange = 10.0
    /// Under this r², a fit's decay is called non-linear.
    public static let linearityThreshold = 0.99

    /// Analyses every channel of `ir` (planar, `rate` Hz) in the given bands.
    /// Throws when a channel is silent or holds a non-finite sample; `path` names the file in messages.
    public static func analyze(_ ir: AudioBuffer, bands: BandSet, path: String? = nil) throws -> [ChannelAcoustics] {
        try ir.channels.enumerated().map { index, samples in
            try analyze(channel: samples, rate: ir.sampleRate, bands: bands.bands, channel: index + 1, of: ir.channelCount, path: path)
        }
    }

    /// Analyses one channel.
    public static func analyze(channel h: [Double], rate: Int, bands: [OctaveBand], channel: Int = 1, of channelCount: Int = 1,
                               path: String? = nil) throws -> ChannelAcoustics {
        let which = channelCount > 1 ? "channel \(channel) of the impulse response" : "the impulse response"
        guard !h.isEmpty else { throw SFConvError("\(which) is empty", path: path) }
        guard h.allSatisfy(\.isFinite) else { throw SFConvError("\(which) holds a NaN or infinite sample", path: path) }
        guard let peakIndex = h.indices.max(by: { abs(h[$0]) < abs(h[$1]) }), h[peakIndex] != 0 else {
            throw SFConvError("\(which) is silent (all samples are zero)", path: path)
        }
        guard h.count >= rate / 20 else {
            throw SFConvError("\(which) is too short to analyse: \(h.count) frames (at least 50 ms)", path: path)
        }
        let broadband = parameters(h, rate: rate)
        let onset = onsetIndex(h), noise = broadband.noise
        var bandResults: [BandParameters] = []
        for band in bands {
            guard let filter = band.filter(sampleRate: rate) else {
                var missing = DecayParameters(decayRange: 0)
                missing.note = "band above the sample rate's limit (\(rate) Hz)"
                bandResults.append(BandParameters(centre: band.nominalCentre, parameters: missing))
                continue
            }
            bandResults.append(BandParameters(centre: band.nominalCentre, parameters: parameters(filter.apply(h), rate: rate).parameters))
        }
        let peak = abs(h[peakIndex])
        return ChannelAcoustics(channel: channel, broadband: broadband.parameters, bands: bandResults,
                                noiseFloor: noise.noiseLevel, lengthToNoise: Double(onset + noise.crossing) / Double(rate),
                                peakLevel: 20 * log10(peak), peakTime: Double(peakIndex) / Double(rate))
    }

    /// The first frame within 20 dB of the peak (ISO 3382-1's start of the response).
    public static func onsetIndex(_ h: [Double]) -> Int {
        let peak = h.map(abs).max() ?? 0
        return h.firstIndex { abs($0) >= peak * 0.1 } ?? 0
    }

    /// The figures of one (broadband or band-filtered) response.
    static func parameters(_ h: [Double], rate: Int) -> (parameters: DecayParameters, noise: NoiseEstimate) {
        let energy = h.map { $0 * $0 }
        guard let peakIndex = energy.indices.max(by: { energy[$0] < energy[$1] }), energy[peakIndex] > 0 else {
            return (DecayParameters(decayRange: 0, note: "silent"), NoiseEstimate(noisePower: 0, crossing: 0))
        }
        let onset = onsetIndex(h)
        let decay = Array(energy[onset...])
        let noise = DecayAnalysis.lundeby(energy: decay, rate: rate)
        // The decay range: the late decay line's level at the onset over the noise (for an
        // exponential decay, how far its Schroeder curve falls before the noise takes over), at
        // most the peak's (a line fitted to a response's cut end extrapolates far above it).
        let peakToNoise = 10 * log10(energy[peakIndex]) - noise.noiseLevel
        let range = noise.lateIntercept.map { min($0 - noise.noiseLevel, peakToNoise) } ?? 0
        var result = DecayParameters(decayRange: range)
        guard noise.lateSlope != nil, range >= minimumRange else {
            result.note = String(format: "no decay above the noise (%.1f dB of decay range): not an impulse response?", range)
            return (result, noise)
        }
        var notes: [String] = []

        // Decay times from the compensated Schroeder curve, each where the range allows it.
        let curve = DecayAnalysis.schroederCurve(energy: decay, noise: noise)
        func decayTime(_ name: String, _ high: Double, _ low: Double, needs: Double) -> (Double, Double)? {
            guard range >= needs else {
                notes.append(String(format: "%@ needs %.0f dB of decay range above the noise, the response has %.1f dB", name, needs, range))
                return nil
            }
            guard let time = DecayAnalysis.decayTime(curve: curve, from: high, to: low, rate: rate) else {
                notes.append("\(name): the decay curve does not reach \(Int(low)) dB before the noise floor")
                return nil
            }
            if time.rSquared < linearityThreshold {
                notes.append(String(format: "%@: non-linear decay (r² %.3f)", name, time.rSquared))
            }
            return (time.seconds, time.rSquared)
        }
        if let (t, r2) = decayTime("EDT", 0, -10, needs: rangeNeeded.edt) { (result.edt, result.edtR2) = (t, r2) }
        if let (t, r2) = decayTime("T20", -5, -25, needs: rangeNeeded.t20) { (result.t20, result.t20R2) = (t, r2) }
        if let (t, r2) = decayTime("T30", -5, -35, needs: rangeNeeded.t30) { (result.t30, result.t30R2) = (t, r2) }

        // Energy ratios from the onset, the decay past the crossing point replaced by its extrapolation.
        let clean = DecayAnalysis.noiseSubtracted(energy: decay, noise: noise)
        let usable = clean.count
        func energyBefore(_ frames: Int) -> Double {
            var sum = 0.0
            for i in 0..<min(frames, usable) { sum += clean[i] }
            if frames > usable { sum += noise.tailEnergy(from: usable, to: frames) }
            return sum
        }
        let total = energyBefore(usable) + noise.compensation
        if total > 0 {
            // (Noise subtraction can leave a window's energy at or below zero in a barely decaying response: no figure then.)
            func ratio(_ early: Double) -> Double? { early > 0 && total - early > 0 ? 10 * log10(early / (total - early)) : nil }
            let e50 = energyBefore(rate / 20), e80 = energyBefore(Int((0.08 * Double(rate)).rounded()))
            result.c50 = ratio(e50)
            result.c80 = ratio(e80)
            result.d50 = e50 >= 0 && e50 <= total ? e50 / total : nil
            var moment = 0.0
            for i in 0..<usable { moment += Double(i) * clean[i] }
            moment += noise.tailMoment(from: usable)
            result.ts = moment > 0 ? moment / total / Double(rate) : nil
            // Direct: ±2.5 ms around the peak (which may lie before the onset's frame + window).
            let half = Int((0.0025 * Double(rate)).rounded())
            let peakInDecay = peakIndex - onset
            let directRange = max(0, peakInDecay - half)..<min(usable, peakInDecay + half + 1)
            var direct = 0.0
            for i in directRange { direct += clean[i] }
            result.drr = ratio(direct)
        }
        result.note = notes.isEmpty ? nil : notes.joined(separator: "; ")
        return (result, noise)
    }
}

// JSON, as `analyze --json` and `deconvolve --json` print it: seconds and dB, rounded to what
// is meaningful, a missing figure as null.

/// `value` rounded to `places` decimals.
func rounded(_ value: Double?, _ places: Int) -> Double? {
    guard let value, value.isFinite else { return nil }
    let scale = pow(10, Double(places))
    return (value * scale).rounded() / scale
}

extension DecayParameters: Encodable {
    enum CodingKeys: String, CodingKey {
        case t20, t30, edt, c50, c80, d50, ts, drr, t20R2 = "t20_r2", t30R2 = "t30_r2", edtR2 = "edt_r2"
        case decayRange = "decay_range_db", note
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(rounded(t20, 4), forKey: .t20)
        try c.encode(rounded(t30, 4), forKey: .t30)
        try c.encode(rounded(edt, 4), forKey: .edt)
        try c.encode(rounded(c50, 2), forKey: .c50)
        try c.encode(rounded(c80, 2), forKey: .c80)
        try c.encode(rounded(d50, 4), forKey: .d50)
        try c.encode(rounded(ts, 4), forKey: .ts)
        try c.encode(rounded(drr, 2), forKey: .drr)
        try c.encode(rounded(t20R2, 5), forKey: .t20R2)
        try c.encode(rounded(t30R2, 5), forKey: .t30R2)
        try c.encode(rounded(edtR2, 5), forKey: .edtR2)
        try c.encode(rounded(decayRange, 1), forKey: .decayRange)
        try c.encode(note, forKey: .note)
    }
}

extension BandParameters: Encodable {
    enum CodingKeys: String, CodingKey { case centre = "center_hz" }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(centre, forKey: .centre)
        try parameters.encode(to: encoder)
    }
}

extension ChannelAcoustics: Encodable {
    enum CodingKeys: String, CodingKey {
        case channel, broadband, bands, noiseFloor = "noise_floor_db", lengthToNoise = "length_to_noise_s"
        case peakLevel = "peak_dbfs", peakTime = "peak_s"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(channel, forKey: .channel)
        try c.encode(broadband, forKey: .broadband)
        try c.encode(bands, forKey: .bands)
        try c.encode(rounded(noiseFloor, 2), forKey: .noiseFloor)
        try c.encode(rounded(lengthToNoise, 4), forKey: .lengthToNoise)
        try c.encode(rounded(peakLevel, 2), forKey: .peakLevel)
        try c.encode(rounded(peakTime, 5), forKey: .peakTime)
    }
}
