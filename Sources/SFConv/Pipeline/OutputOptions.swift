import Foundation

/// `--precision`: the arithmetic convolutions run in, or `auto` to choose by the output's format.
public enum PrecisionSetting: String, CaseIterable, Sendable, Equatable {
    case single, double, auto

    /// `auto`: double where single precision's rounding (about 1e-7 of full scale) would show in
    /// the output — integer PCM of 24 bits or more, and 64-bit float — single otherwise.
    public func resolved(for format: SoundFormat) -> Precision {
        switch self {
        case .single: return .single
        case .double: return .double
        case .auto:
            guard let subtype = format.sampleSubtype else { return .single }
            return subtype == .double || (subtype.isInteger && subtype.bitDepth >= 24) ? .double : .single
        }
    }
}

/// What the user says about the output file on the command line: `--format`, `--subtype`,
/// `--precision`, `--force`.
public struct OutputOptions: Sendable, Equatable {
    /// The container; nil takes it from the output path's extension.
    public var container: Container?
    /// The sample encoding; nil keeps the preset's, else the input's when the container can store it.
    public var subtype: SampleSubtype?
    /// Replace an existing output file.
    public var overwrite: Bool
    /// The arithmetic; nil keeps the preset's, else `auto`.
    public var precision: PrecisionSetting?

    public init(container: Container? = nil, subtype: SampleSubtype? = nil, overwrite: Bool = false, precision: PrecisionSetting? = nil) {
        self.container = container
        self.subtype = subtype
        self.overwrite = overwrite
        self.precision = precision
    }

    /// The precision to render `format` in: the command line's, else the preset's, else `auto`'s choice.
    public func precision(for format: SoundFormat, preset: PrecisionSetting?) -> Precision {
        (precision ?? preset ?? .auto).resolved(for: format)
    }

    /// The format to write at `path`, merged once, in this order: a command-line flag, then OUT's
    /// extension, then the preset's `[output]`, then the input's format. The container always
    /// agrees with a known extension: a `--format` that contradicts it is an error.
    public func format(for path: String, preset: (container: Container?, subtype: SampleSubtype?) = (nil, nil),
                       input: SoundFormat?) throws -> SoundFormat {
        if path == "-" && self.container == nil {
            throw SFConvError("writing to standard output (-) needs --format (\(Container.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let ext = path == "-" ? "" : URL(fileURLWithPath: path).pathExtension
        let fromName = Container(fileExtension: ext)
        let known = Container.allCases.map(\.rawValue).joined(separator: ", ")
        let container: Container
        if let flag = self.container {
            if let fromName, !Self.agree(flag, fromName) {
                throw SFConvError("--format \(flag.rawValue) contradicts the output's extension '.\(ext)'; name the file .\(flag.rawValue) or drop --format", path: path)
            }
            container = flag
        } else if let fromName {
            container = fromName
        } else if !ext.isEmpty {
            throw SFConvError("unknown output extension '.\(ext)'; use --format (\(known))", path: path)
        } else if let chosen = preset.container ?? input?.container {
            container = chosen
        } else {
            throw SFConvError("output has no extension to tell its format; add one or use --format (\(known))", path: path)
        }
        // The preset's subtype ranks below the container OUT's name chose: it applies where it fits.
        let presetSubtype = preset.subtype.flatMap { container.canStore($0) ? $0 : nil }
        return try SoundFormat.forOutput(container: container, requested: subtype ?? presetSubtype, input: input, path: path)
    }

    /// Ogg holds Vorbis or Opus: either name fits either extension.
    private static func agree(_ a: Container, _ b: Container) -> Bool {
        a == b || (Set([a, b]).isSubset(of: [.ogg, .opus]))
    }
}

extension EffectChain {
    /// The preset's `[output]` settings.
    var outputPreferences: (container: Container?, subtype: SampleSubtype?) { (outputContainer, outputSubtype) }
}
