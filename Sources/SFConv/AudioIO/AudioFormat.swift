import CSndFile

/// libsndfile's values for the containers.
extension Container {
    var majorFormat: Int32 {
        switch self {
        case .wav: Int32(SF_FORMAT_WAV)
        case .flac: Int32(SF_FORMAT_FLAC)
        case .aiff: Int32(SF_FORMAT_AIFF)
        case .caf: Int32(SF_FORMAT_CAF)
        case .w64: Int32(SF_FORMAT_W64)
        case .rf64: Int32(SF_FORMAT_RF64)
        case .au: Int32(SF_FORMAT_AU)
        case .ogg, .opus: Int32(SF_FORMAT_OGG)
        case .mp3: Int32(SF_FORMAT_MPEG)
        }
    }

    /// The codec of a lossy container, which has no choice of subtype.
    var codecSubtype: Int32? {
        switch self {
        case .ogg: Int32(SF_FORMAT_VORBIS)
        case .opus: Int32(SF_FORMAT_OPUS)
        case .mp3: Int32(SF_FORMAT_MPEG_LAYER_III)
        default: nil
        }
    }
}

/// libsndfile's values for the encodings.
extension SampleSubtype {
    var formatValue: Int32 {
        switch self {
        case .pcm8: Int32(SF_FORMAT_PCM_S8)
        case .pcm16: Int32(SF_FORMAT_PCM_16)
        case .pcm24: Int32(SF_FORMAT_PCM_24)
        case .pcm32: Int32(SF_FORMAT_PCM_32)
        case .float: Int32(SF_FORMAT_FLOAT)
        case .double: Int32(SF_FORMAT_DOUBLE)
        }
    }

    /// The value in `container`: the 8-bit samples of WAV and its 64-bit cousins (W64, RF64) are
    /// unsigned, every other container's signed.
    func formatValue(in container: Container) -> Int32 {
        self == .pcm8 && [.wav, .w64, .rf64].contains(container) ? Int32(SF_FORMAT_PCM_U8) : formatValue
    }

    init?(formatValue: Int32) {
        switch formatValue {
        case Int32(SF_FORMAT_PCM_S8), Int32(SF_FORMAT_PCM_U8): self = .pcm8
        case Int32(SF_FORMAT_PCM_16): self = .pcm16
        case Int32(SF_FORMAT_PCM_24): self = .pcm24
        case Int32(SF_FORMAT_PCM_32): self = .pcm32
        case Int32(SF_FORMAT_FLOAT): self = .float
        case Int32(SF_FORMAT_DOUBLE): self = .double
        default: return nil
        }
    }

}

/// A libsndfile format value (container | subtype), with readable names.
public struct SoundFormat: Sendable, Equatable {
    public var rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }

    init(container: Container, subtype: Int32) {
        rawValue = container.majorFormat | subtype
    }

    var majorValue: Int32 { rawValue & Int32(SF_FORMAT_TYPEMASK) }

    /// The container, when it is one the output can be written in.
    public var container: Container? {
        if majorValue == Int32(SF_FORMAT_OGG) { return subtypeValue == Int32(SF_FORMAT_OPUS) ? .opus : .ogg }
        return Container.allCases.first { $0.majorFormat == majorValue }
    }
    var subtypeValue: Int32 { rawValue & Int32(SF_FORMAT_SUBMASK) }

    /// The subtype as a `--subtype` choice, when it is one (nil for codecs such as Vorbis).
    public var sampleSubtype: SampleSubtype? { SampleSubtype(formatValue: subtypeValue) }

    /// Whether samples are stored as IEEE floats (the only encodings that can hold NaN and infinity).
    public var isFloatingPoint: Bool {
        subtypeValue == Int32(SF_FORMAT_FLOAT) || subtypeValue == Int32(SF_FORMAT_DOUBLE)
    }

    /// libsndfile's name of the container, e.g. "WAV (Microsoft)".
    public var containerName: String { Self.name(of: majorValue, command: Int32(SFC_GET_FORMAT_MAJOR_COUNT), Int32(SFC_GET_FORMAT_MAJOR)) }

    /// libsndfile's name of the sample encoding, e.g. "32 bit float".
    public var subtypeName: String { Self.name(of: subtypeValue, command: Int32(SFC_GET_FORMAT_SUBTYPE_COUNT), Int32(SFC_GET_FORMAT_SUBTYPE)) }

    /// A short lowercase name for scripts: the `--subtype` name or the codec's.
    public var subtypeShortName: String {
        if let s = sampleSubtype { return s.rawValue }
        switch subtypeValue {
        case Int32(SF_FORMAT_VORBIS): return "vorbis"
        case Int32(SF_FORMAT_OPUS): return "opus"
        case Int32(SF_FORMAT_MPEG_LAYER_III): return "mp3"
        case Int32(SF_FORMAT_ULAW): return "ulaw"
        case Int32(SF_FORMAT_ALAW): return "alaw"
        default: return String(subtypeValue, radix: 16)
        }
    }

    private static func name(of value: Int32, command countCommand: Int32, _ entryCommand: Int32) -> String {
        // Both commands answer 0 when they filled in the value asked for.
        var count: Int32 = 0
        guard sf_command(nil, countCommand, &count, Int32(MemoryLayout<Int32>.size)) == 0 else { return "unknown (0x\(String(value, radix: 16)))" }
        for index in 0..<count {
            var info = SF_FORMAT_INFO()
            info.format = index
            guard sf_command(nil, entryCommand, &info, Int32(MemoryLayout<SF_FORMAT_INFO>.size)) == 0 else { continue }
            if info.format == value, let name = info.name { return String(cString: name) }
        }
        return "unknown (0x\(String(value, radix: 16)))"
    }

    /// The output format for `container`: the requested subtype, else the input's when the
    /// container can store it, else the container's best.
    public static func forOutput(
        container: Container, requested: SampleSubtype?, input: SoundFormat?, path: String
    ) throws -> SoundFormat {
        if let codec = container.codecSubtype {
            if let requested {
                throw SFConvError("--subtype \(requested.rawValue) does not apply to \(container.rawValue) output, which is always \(container.rawValue)-encoded", path: path)
            }
            return SoundFormat(container: container, subtype: codec)
        }
        let allowed = container.writableSubtypes
        if let requested {
            guard allowed.contains(requested) else {
                let list = allowed.map(\.rawValue).joined(separator: ", ")
                throw SFConvError("\(container.rawValue) cannot store \(requested.rawValue) samples; choose one of \(list)", path: path)
            }
            return SoundFormat(container: container, subtype: requested.formatValue(in: container))
        }
        if let inputSubtype = input?.sampleSubtype, allowed.contains(inputSubtype) {
            return SoundFormat(container: container, subtype: inputSubtype.formatValue(in: container))
        }
        // A float input going to FLAC keeps the most precision FLAC has; a lossy input becomes float.
        let fallback: SampleSubtype = allowed.contains(.float) ? .float : allowed[0]
        return SoundFormat(container: container, subtype: fallback.formatValue(in: container))
    }
}
