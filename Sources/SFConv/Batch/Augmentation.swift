import Foundation

/// Output channels of an augmented file.
public enum AugmentChannels: String, CaseIterable, Sendable {
    /// As many as the input: a mono input stays mono (one IR channel drawn per file).
    case keep
    /// The input mixed down to mono first, then as `keep`.
    case mono
    /// Two: a mono input through a stereo IR (or a true-stereo IR folded for it, or a mono IR on both).
    case stereo
}

/// Where the output's frame 0 lies.
public enum AugmentAlignment: String, CaseIterable, Sendable {
    /// Advanced by the IR's direct sound (its peak), so the direct sound lines up with the dry input.
    case direct
    /// Not advanced: the IR's pre-delay stays in the output.
    case none
}

/// How many frames an augmented file keeps.
public enum AugmentLength: String, CaseIterable, Sendable {
    /// The input's frame count.
    case input
    /// The whole tail: input + IR − 1 frames, less the alignment's advance.
    case full
}

/// The signal an SNR is measured against.
public enum NoiseReference: String, CaseIterable, Sendable {
    case reverberant, early
}

/// What `--target-dir` receives.
public enum TrainingTarget: String, CaseIterable, Sendable {
    /// x ∗ h_early: the IR up to its direct sound plus `earlyMilliseconds`, with the output's gains.
    case early
    /// The dry input as its direct sound appears in the output: (dry + wet · h[peak]) · x.
    case dry
}

/// A file an augmentation draws from: its path to open, and the path as the command line gave it
/// (what the manifest records).
public struct AugmentationFile: Sendable, Equatable {
    public var path: String
    public var given: String

    public init(path: String, given: String) {
        self.path = path
        self.given = given
    }
}

/// Where each file's impulse response comes from.
public enum ImpulseSource: Sendable {
    /// Files drawn from a folder (already filtered by `--rt60-range`), with their T30s where measured.
    case folder([AugmentationFile], t30: [String: Double])
    /// One IR per file from the ``SyntheticIR`` model (room), its RT60 drawn from `rt60Range`.
    case synthetic
}

/// Additive noise: a file drawn from a folder, at a drawn offset and SNR.
public struct NoiseAugmentation: Sendable {
    public var files: [AugmentationFile]
    /// dB.
    public var snrRange: ClosedRange<Double>
    public var reference: NoiseReference = .reverberant

    public init(files: [AugmentationFile], snrRange: ClosedRange<Double>, reference: NoiseReference) {
        self.files = files
        self.snrRange = snrRange
        self.reference = reference
    }
}

/// Training targets written beside the outputs.
public struct TargetSettings: Sendable {
    /// The folder to write into, and as given.
    public var folder: String
    public var given: String
    public var kind: TrainingTarget
    public var earlyMilliseconds: Double = 50

    public init(folder: String, given: String, kind: TrainingTarget, earlyMilliseconds: Double) {
        self.folder = folder
        self.given = given
        self.kind = kind
        self.earlyMilliseconds = earlyMilliseconds
    }
}

/// Reverb augmentation: each file gets an impulse response (drawn from a folder, or synthesised),
/// wet and dry gains, optionally a DRR, noise and a target. Every random choice has its own
/// stream (``AugmentationDraws``), keyed by the seed, the file's relative path and the choice's
/// name, so the same seed gives the same corpus on any machine, in any shard, in any order, and
/// turning one option on or off never changes another's draws.
public struct ReverbAugmentation: Sendable {
    public var source: ImpulseSource
    public var seed: UInt64
    /// Linear.
    public var wetRange: ClosedRange<Double>
    /// Linear; nil: dry 1.
    public var dryRange: ClosedRange<Double>?
    /// dB.
    public var drrRange: ClosedRange<Double>?
    /// Seconds: filters the folder's IRs by T30, or draws the synthetic IR's RT60.
    public var rt60Range: ClosedRange<Double>?
    public var channels: AugmentChannels = .keep
    public var alignment: AugmentAlignment = .direct
    public var length: AugmentLength = .input
    public var noise: NoiseAugmentation?
    public var target: TargetSettings?
    /// dBFS: output and target are scaled together to stay under it.
    public var peakLimitDB: Double?

    public static let defaultWetRange = 0.1...0.5

    /// Impulse responses drawn from `impulseFolder` (its audio files, recursively, sorted; as
    /// given: `impulseFolderGiven`); with `rt60Range`, only those whose broadband T30 lies in it.
    public init(impulseFolder: String, impulseFolderGiven: String? = nil, seed: UInt64, wetRange: ClosedRange<Double>,
                rt60Range: ClosedRange<Double>? = nil) throws {
        let found = try BatchPlan.discover(inputFolder: impulseFolder, outputFolder: "/nonexistent", recursive: true,
                                           include: [], exclude: [], container: nil).jobs
        guard !found.isEmpty else { throw SFConvError("no audio files in the impulse folder", path: impulseFolder) }
        try Self.checkGains(wetRange, option: "--wet-range")
        let base = Self.joinable(impulseFolderGiven ?? impulseFolder)
        var files = found.map { AugmentationFile(path: $0.inputPath, given: base + $0.relativePath) }
        var t30: [String: Double] = [:]
        if let rt60Range {
            // Measured once per IR, at its own rate.
            for file in files {
                let ir = try SoundFileReader(path: file.path).readAll(diagnostics: .silent, limit: ChainFiles.maximumKernelFrames)
                if let value = AugmentationDSP.t30(ir.channels.map { $0.map(Float.init) }, rate: ir.sampleRate) { t30[file.path] = value }
            }
            let all = files
            files = files.filter { t30[$0.path].map(rt60Range.contains) ?? false }
            guard !files.isEmpty else {
                let measured = all.compactMap { t30[$0.path] }
                let span = measured.isEmpty ? "none could be measured" : String(format: "theirs lie from %.2f to %.2f s", measured.min()!, measured.max()!)
                throw SFConvError("--rt60-range \(Numbers.format(rt60Range.lowerBound)):\(Numbers.format(rt60Range.upperBound)): no impulse response has a T30 in the range (\(span))", path: impulseFolder)
            }
        }
        source = .folder(files, t30: t30)
        self.seed = seed
        self.wetRange = wetRange
        self.rt60Range = rt60Range
    }

    /// Synthetic impulse responses, one per file, their RT60 drawn from `rt60Range`.
    public init(syntheticRT60Range rt60Range: ClosedRange<Double>, seed: UInt64, wetRange: ClosedRange<Double>) throws {
        try Self.checkGains(wetRange, option: "--wet-range")
        guard rt60Range.lowerBound >= 0.05, rt60Range.upperBound <= 30 else {
            throw SFConvError("--rt60-range for --synthetic-ir must lie within 0.05…30 s, not \(Numbers.format(rt60Range.lowerBound)):\(Numbers.format(rt60Range.upperBound))")
        }
        source = .synthetic
        self.seed = seed
        self.wetRange = wetRange
        self.rt60Range = rt60Range
    }

    static func checkGains(_ range: ClosedRange<Double>, option: String) throws {
        guard range.lowerBound >= 0, range.upperBound <= ReverbSettings.maximumGain else {
            throw SFConvError("\(option) must lie within 0…\(Numbers.format(ReverbSettings.maximumGain)), not \(range)")
        }
    }

    /// A folder as given, ready to have a relative path appended.
    static func joinable(_ folder: String) -> String {
        folder.hasSuffix("/") ? folder : folder + "/"
    }

    /// Parses `0.1:0.5` or `-20dB:-6dB`.
    public static func parseRange(_ text: String) throws -> ClosedRange<Double> {
        try parseGainRange(text, option: "--wet-range")
    }

    /// Parses a gain range (linear or dB) for `option`.
    public static func parseGainRange(_ text: String, option: String) throws -> ClosedRange<Double> {
        do {
            return try Gain.parseRange(text, maximum: ReverbSettings.maximumGain)
        } catch let error as SFConvError {
            throw SFConvError("\(option): \(error.message)")
        }
    }

    /// Parses `A:B` of plain numbers (an optional unit suffix such as `dB` or `s` allowed), A ≤ B, within `limits`.
    public static func parseNumberRange(_ text: String, option: String, unit: String, limits: ClosedRange<Double>) throws -> ClosedRange<Double> {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map { part -> Double? in
            var value = part.trimmingCharacters(in: .whitespaces)
            if !unit.isEmpty, value.lowercased().hasSuffix(unit.lowercased()) { value = String(value.dropLast(unit.count)).trimmingCharacters(in: .whitespaces) }
            return Numbers.parse(value)
        }
        let example = unit == "dB" ? "5:20 or 5dB:20dB" : "0.2:0.8"
        guard parts.count == 2, let low = parts[0], let high = parts[1], low.isFinite, high.isFinite else {
            throw SFConvError("\(option): expected LOW:HIGH in \(unit == "dB" ? "dB" : "seconds") (for example \(example)), found \"\(text)\"")
        }
        guard low <= high else { throw SFConvError("\(option): expected LOW:HIGH with LOW ≤ HIGH, found \"\(text)\"") }
        guard limits.contains(low), limits.contains(high) else {
            throw SFConvError("\(option): values must lie within \(Numbers.format(limits.lowerBound))…\(Numbers.format(limits.upperBound)) \(unit), found \"\(text)\"")
        }
        return low...high
    }

    /// The impulse and wet gain for a file (the folder's draw; the same as before the other options existed).
    public func choice(for relativePath: String) -> (impulse: String, wet: Double) {
        let draws = AugmentationDraws(seed: seed, relativePath: relativePath)
        guard case .folder(let files, _) = source else { return ("synthetic", draws.value("wet", in: wetRange)) }
        return (files[draws.index("ir", count: files.count)].path, draws.value("wet", in: wetRange))
    }
}

/// The random choices for one file: each named choice is its own stream, a hash of the seed, the
/// relative path and the name. `ir` and `wet` keep the hashes batch used before the other choices
/// existed, so their draws are unchanged.
public struct AugmentationDraws: Sendable {
    public var seed: UInt64
    public var relativePath: String

    public init(seed: UInt64, relativePath: String) {
        self.seed = seed
        self.relativePath = relativePath
    }

    /// 64 random bits of the stream `name`.
    public func bits(_ name: String) -> UInt64 {
        switch name {
        case "ir": stableHash(relativePath, seed: seed)
        case "wet": stableHash(relativePath, seed: seed &+ 0x9E37_79B9_7F4A_7C15)
        default: stableHash(relativePath, seed: stableHash(name, seed: seed))
        }
    }

    /// Uniform in [0, 1).
    public func unit(_ name: String) -> Double { Double(bits(name) >> 11) / Double(1 << 53) }

    /// Uniform in `range`.
    public func value(_ name: String, in range: ClosedRange<Double>) -> Double {
        range.lowerBound + unit(name) * (range.upperBound - range.lowerBound)
    }

    /// Uniform in 0..<count.
    public func index(_ name: String, count: Int) -> Int { Int(bits(name) % UInt64(max(1, count))) }
}

/// What was drawn and applied to one file: a report's and a manifest line's figures.
public struct AugmentationRecord: Sendable, Codable, Equatable {
    /// The IR as given on the command line; nil for a synthetic one.
    public var ir: String?
    public var syntheticIR: SyntheticIRParameters?
    public var irChannel: Int?
    /// The synthetic IR's drawn RT60, or the file's measured broadband T30 (seconds).
    public var rt60: Double?
    /// The drawn DRR with --drr-range, else the IR's own (dB).
    public var drrDB: Double?
    public var wet: Double
    public var dry: Double
    public var snrDB: Double?
    public var noise: String?
    /// Seconds.
    public var noiseOffset: Double?
    /// The target written, as given; nil without one.
    public var targetPath: String?
    /// The gain that --peak-limit applied (0 when none was needed; nil without the option).
    public var gainDB: Double?
    public var frames: Int = 0
    public var channels: Int = 0
    public var sampleRate: Int = 0
}

/// The parameters of a synthetic IR, enough to make it again with `sfconv generate ir`.
public struct SyntheticIRParameters: Sendable, Codable, Equatable {
    public var model: String
    public var rt60: Double
    public var seed: UInt64
    public var channels: Int
    public var sampleRate: Int
}

/// One augmented file in memory.
struct AugmentedAudio {
    var output: [[Float]]
    var target: [[Float]]?
    var record: AugmentationRecord
}

extension ReverbAugmentation {
    /// Augments `input` (planar, at `rate`): the whole file in memory. `files` loads IRs and noise
    /// at the input's rate (cached for the batch); `t30` measures an IR once. `finalPeakDBFS` is a
    /// chain's final normalisation, applied to output and target alike before the peak limit.
    func augment(_ input: [[Float]], rate: Int, relativePath: String, targetGiven: String?, files: ChainFiles,
                 t30Cache: LockedValue<[String: Double?]>, finalPeakDBFS: Double?) throws -> AugmentedAudio {
        let draws = AugmentationDraws(seed: seed, relativePath: relativePath)
        var x = input
        if channels == .mono && x.count > 1 { x = [AugmentationDSP.downmix(x)] }
        if channels == .stereo && x.count > 2 {
            throw SFConvError("--channels stereo takes mono or stereo input, not \(x.count) channels")
        }
        let outputCount = channels == .stereo ? 2 : x.count
        var record = AugmentationRecord(wet: draws.value("wet", in: wetRange), dry: dryRange.map { draws.value("dry", in: $0) } ?? 1)

        // The impulse response.
        var ir: [[Float]]
        switch source {
        case .folder(let list, let measured):
            let file = list[draws.index("ir", count: list.count)]
            ir = AugmentationDSP.floats(try files.load(file.path, rate: rate, resample: true, diagnostics: .silent).channels)
            record.ir = file.given
            if let value = measured[file.path] {
                record.rt60 = value
            } else {
                record.rt60 = t30Cache.withLock { cache in
                    if let known = cache[file.path] { return known }
                    let value = AugmentationDSP.t30(ir, rate: rate)
                    cache[file.path] = value
                    return value
                }
            }
        case .synthetic:
            let rt60 = draws.value("rt60", in: rt60Range ?? 0.3...0.8)
            let parameters = SyntheticIRParameters(model: SyntheticIR.Space.room.rawValue, rt60: rt60, seed: draws.bits("synthetic_ir") >> 1,
                                                   channels: outputCount == 1 ? 1 : (x.count == 1 ? 2 : 1), sampleRate: rate)
            ir = AugmentationDSP.floats(try SyntheticIR(rt60: rt60, space: .room, channelCount: parameters.channels, sampleRate: rate, seed: parameters.seed).render().channels)
            record.syntheticIR = parameters
            record.rt60 = rt60
        }

        // Which IR channels feed which outputs.
        let routing: ChannelRouting
        var selection = "\(x.count)→\(outputCount)"
        if x.count == 1 && outputCount == 1 {
            let channel = ir.count > 1 ? draws.index("ir_channel", count: ir.count) : 0
            ir = [ir[channel]]
            record.irChannel = channel
            selection += " channel \(channel)"
            routing = ChannelRouting(inputChannels: 1, kernelChannels: 1)!
        } else if x.count == 1 {
            switch ir.count {
            case 1: ir = [ir[0], ir[0]]
            case 2: break
            case 4: ir = ImpulseResponsePreparation.foldedForMonoInput(AudioBuffer(channels: ir.map { $0.map(Sample.init) }, sampleRate: rate)).channels.map { $0.map(Float.init) }
            default: throw SFConvError("--channels stereo needs a mono, stereo or true-stereo impulse response, not \(ir.count) channels (\(record.ir ?? "synthetic"))")
            }
            routing = ChannelRouting(inputChannels: 1, kernelChannels: 2)!
        } else {
            guard let resolved = ChannelRouting(inputChannels: x.count, kernelChannels: ir.count) else {
                throw SFConvError("a \(ir.count)-channel impulse response (\(record.ir ?? "synthetic")) cannot apply to a \(x.count)-channel input; use --channels mono")
            }
            routing = resolved
        }

        // DRR, then unit energy per output channel (as the reverb effect's `energy` rule). Without
        // a DRR drawn, an IR file's h′ is the same for every file: prepared once for the batch.
        let unscaled = ir
        var reverberantGains: [(gain: Float, start: Int)] = []
        var normalization: Float = 1, preparedPeak: Int? = nil
        if drrRange == nil, case .folder = source, let path = record.ir {
            let prepared = AugmentationDSP.preparedKernel("\(path) \(selection) \(rate) Hz", ir, rate: rate, routing: routing)
            ir = prepared.channels
            record.drrDB = prepared.drrDB
            normalization = prepared.normalization
            preparedPeak = prepared.peak
        } else if let drrRange {
            let drr = draws.value("drr", in: drrRange)
            ir = try ir.map {
                guard let (gain, start) = AugmentationDSP.reverberantGain($0, rate: rate, drrDB: drr) else {
                    throw SFConvError("the impulse response has no reverberant part to set a DRR on (\(record.ir ?? "synthetic"))")
                }
                reverberantGains.append((gain, start))
                return AugmentationDSP.scaled($0, from: start, by: gain)
            }
            record.drrDB = drr
        } else {
            record.drrDB = AugmentationDSP.directToReverberantDB(ir[0], rate: rate)
        }
        if preparedPeak == nil {
            normalization = Float(ImpulseResponsePreparation.normalizationGain(AudioBuffer(channels: ir.map { $0.map(Sample.init) }, sampleRate: rate),
                                                                               rule: .energy, routing: routing))
            AugmentationDSP.scale(&ir, by: normalization)
        }

        // The same IR file, channels and rate give the same h′ whenever no DRR is drawn: its
        // spectra are then computed once for the batch. With a DRR, h′ is the sum of the IR's
        // parts (direct and reverberant, early and late) with this file's gains: the parts'
        // spectra are kept instead.
        var kernelKey: String? = nil
        var partsKey: String? = nil
        if case .folder = source, let path = record.ir {
            if drrRange == nil { kernelKey = "\(path) \(selection) \(rate) Hz" } else { partsKey = "\(path) \(selection) \(rate) Hz parts" }
        }

        // x ∗ h′ (and x ∗ h′_early), advanced by the direct sound; then wet times that plus the dry
        // path, so that after the advance the dry signal and the direct sound coincide.
        let peak = preparedPeak ?? AugmentationDSP.directPeak(ir)
        let shift = alignment == .direct ? peak : 0
        let inputFrames = x[0].count
        let irFrames = ir[0].count
        let frames = length == .input ? inputFrames : max(0, inputFrames + irFrames - 1 - shift)
        let directKernels = Set(routing.terms.filter { $0.input == $0.output || routing.inputChannelCount == 1 }.map(\.kernelChannel))
        let wet = Float(record.wet), dry = Float(record.dry)
        let earlyEnd = min(irFrames, peak + Int((target?.earlyMilliseconds ?? 50) / 1000 * Double(rate)))
        let needsEarly = target?.kind == .early || noise?.reference == .early
        var output: [[Float]], early: [[Float]]? = nil
        if inputFrames == 0 {
            output = [[Float]](repeating: [Float](repeating: 0, count: frames), count: routing.outputChannelCount)
            early = needsEarly ? output : nil
        } else if let partsKey {
            let parts = AugmentationDSP.KernelParts(unscaled, reverberant: reverberantGains, normalization: normalization,
                                                    earlyEnd: needsEarly ? max(1, earlyEnd) : nil, cacheKey: partsKey)
            (output, early) = try AugmentationDSP.convolve(x, parts: parts, routing: routing, start: shift, frames: frames)
        } else {
            let earlyIR = ir.map { Array($0.prefix(max(1, earlyEnd))) }
            let results = try AugmentationDSP.convolve(x, needsEarly ? [ir, earlyIR] : [ir], routing: routing, start: shift, frames: frames,
                                                       cacheKeys: [kernelKey, kernelKey.map { $0 + " early \(earlyEnd)" }])
            output = results[0]
            early = needsEarly ? results[1] : nil
        }
        // wet·(x ∗ h′) + dry·x on each channel that takes its own input (all of them from a mono input).
        func mix(_ signal: inout [[Float]]) {
            for c in signal.indices {
                signal[c].withUnsafeMutableBufferPointer { out in
                    for i in 0..<frames { out[i] *= wet }
                    guard dry != 0 else { return }
                    for term in routing.terms where term.output == c && directKernels.contains(term.kernelChannel) {
                        x[term.input].withUnsafeBufferPointer { input in
                            for i in 0..<min(frames, inputFrames) { out[i] += dry * input[i] }
                        }
                    }
                }
            }
        }
        mix(&output)
        if early != nil { mix(&early!) }
        var target: [[Float]]? = nil
        if let settings = self.target {
            switch settings.kind {
            case .early: target = early
            case .dry:
                // Where the output's direct sound lies: frame 0 with --align direct, the peak without.
                var dryTarget = [[Float]](repeating: [Float](repeating: 0, count: frames), count: routing.outputChannelCount)
                let delay = peak - shift
                for term in routing.terms {
                    let weight = wet * ir[term.kernelChannel][peak] + (directKernels.contains(term.kernelChannel) ? dry : 0)
                    for i in 0..<max(0, min(frames - delay, inputFrames)) { dryTarget[term.output][i + delay] += weight * x[term.input][i] }
                }
                target = dryTarget
            }
            record.targetPath = targetGiven
        }

        // Noise at the drawn SNR against the reference signal.
        if let noise {
            let file = noise.files[draws.index("noise", count: noise.files.count)]
            var samples = try files.load(file.path, rate: rate, resample: true, diagnostics: .silent).channels
            if samples.count != output.count {
                let mono = AugmentationDSP.downmix(samples)
                samples = [[Sample]](repeating: mono, count: output.count)
            }
            // Anywhere in the noise file, whatever the output's length (so --length never moves it);
            // the segment wraps round to the file's start when it runs past its end.
            let noiseFrames = samples[0].count
            guard noiseFrames > 0 else { throw SFConvError("the noise file has no frames (\(file.given))") }
            let offset = min(noiseFrames - 1, Int(draws.unit("noise_offset") * Double(noiseFrames)))
            let segment = AugmentationDSP.noiseSegment(samples, offset: offset, count: frames)
            let snr = draws.value("snr", in: noise.snrRange)
            let referenceEnergy = AugmentationDSP.energy(noise.reference == .early ? early! : output)
            let noiseEnergy = AugmentationDSP.energy(segment)
            guard noiseEnergy > 0 else { throw SFConvError("the noise is silent where drawn (offset \(offset) frames); no SNR can be set (\(file.given))") }
            guard referenceEnergy > 0 else { throw SFConvError("the \(noise.reference.rawValue) signal is silent; no SNR can be set") }
            let scale = Float((referenceEnergy / (noiseEnergy * pow(10, snr / 10))).squareRoot())
            for c in output.indices {
                output[c].withUnsafeMutableBufferPointer { out in
                    segment[c].withUnsafeBufferPointer { added in
                        for i in 0..<frames { out[i] += scale * added[i] }
                    }
                }
            }
            record.noise = file.given
            record.noiseOffset = Double(offset) / Double(rate)
            record.snrDB = snr
        }

        // A chain's final normalisation, then the peak limit: one gain for output and target.
        func scaleAll(_ gain: Float) {
            AugmentationDSP.scale(&output, by: gain)
            if target != nil { AugmentationDSP.scale(&target!, by: gain) }
        }
        let bothPeak = { max(AugmentationDSP.peak(output), target.map(AugmentationDSP.peak) ?? 0) }
        if let finalPeakDBFS {
            let peakNow = AugmentationDSP.peak(output)
            if peakNow > 0 { scaleAll(Float(pow(10, finalPeakDBFS / 20) / Double(peakNow))) }
        }
        if let peakLimitDB {
            let limit = pow(10, peakLimitDB / 20), peakNow = Double(bothPeak())
            if peakNow > limit {
                let gain = limit / peakNow
                scaleAll(Float(gain))
                record.gainDB = 20 * log10(gain)
            } else {
                record.gainDB = 0
            }
        }
        record.frames = frames
        record.channels = output.count
        record.sampleRate = rate
        return AugmentedAudio(output: output, target: target, record: record)
    }
}
