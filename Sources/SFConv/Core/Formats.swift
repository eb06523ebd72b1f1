/// A file container the output can be written in.
public enum Container: String, CaseIterable, Sendable {
    case wav, flac, aiff, caf, w64, rf64, au, ogg, opus, mp3

    /// The container a file name asks for, from its extension (case-insensitive).
    public init?(fileExtension: String) {
        switch fileExtension.lowercased() {
        case "wav", "wave": self = .wav
        case "flac": self = .flac
        case "aif", "aiff", "aifc": self = .aiff
        case "caf": self = .caf
        case "w64": self = .w64
        case "rf64": self = .rf64
        case "au", "snd": self = .au
        case "ogg", "oga": self = .ogg
        case "opus": self = .opus
        case "mp3": self = .mp3
        default: return nil
        }
    }

    /// Whether the container can hold samples of `subtype` (lossy containers have no choice).
    public func canStore(_ subtype: SampleSubtype) -> Bool { writableSubtypes.contains(subtype) }

    /// The sample encodings a user may choose for this container, best first.
    var writableSubtypes: [SampleSubtype] {
        switch self {
        case .wav, .caf, .w64, .rf64, .au, .aiff: [.float, .pcm24, .pcm16, .pcm32, .double, .pcm8]
        case .flac: [.pcm24, .pcm16, .pcm8]
        case .ogg, .opus, .mp3: []
        }
    }

}

/// How samples are stored: the `--subtype` choices.
public enum SampleSubtype: String, CaseIterable, Sendable {
    case pcm8, pcm16, pcm24, pcm32, float, double

    /// Integer encodings clip at full scale.
    public var isInteger: Bool { self != .float && self != .double }

    /// Bits per sample.
    public var bitDepth: Int {
        switch self {
        case .pcm8: 8
        case .pcm16: 16
        case .pcm24: 24
        case .pcm32, .float: 32
        case .double: 64
        }
    }
}

