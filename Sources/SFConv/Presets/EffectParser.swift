import Foundation

/// A value as written: from TOML (typed) or from an inline chain (text, typed by its look).
public enum RawValue: Sendable, Equatable, CustomStringConvertible {
    case number(Double)
    case integer(Int)
    case text(String)
    case boolean(Bool)
    /// A TOML value of another kind (a table, an array, a date), by its kind's name.
    case other(String)

    /// Types an inline value: a number, true/false, or text.
    init(inline text: String) {
        if let integer = Int(text) {
            self = .integer(integer)
        } else if let number = Double(text), number.isFinite {
            self = .number(number)
        } else if text == "true" || text == "false" {
            self = .boolean(text == "true")
        } else {
            self = .text(text)
        }
    }

    public var description: String {
        switch self {
        case .number(let v): "the number \(v)"
        case .integer(let v): "the integer \(v)"
        case .text(let v): "the string \"\(v)\""
        case .boolean(let v): "\(v)"
        case .other(let kind): "a \(kind)"
        }
    }
}

/// Turns an effect's type and key/value pairs into a ``ChainEffect``, checking names, types and
/// ranges. Keys are the command-line option names in snake_case.
enum EffectParser {
    static let filterKeys = ["cutoff", "low", "high", "taps", "window", "beta", "transition", "attenuation", "points", "minimum_phase", "keep_delay"]
    static let keysByType: [String: [String]] = {
        var keys: [String: [String]] = [
            "gain": ["db"],
            "delay": ["ms"],
            "convolve": ["kernel", "mode", "correlate"],
            "reverb": ["impulse", "wet", "dry", "predelay", "normalize_ir", "tail", "ir_trim_start", "ir_length", "ir_reverse"],
            "normalize": ["db"],
        ]
        for type in FilterType.allCases { keys[type.rawValue] = filterKeys }
        return keys
    }()
    static let typeNames = ["gain", "delay"] + FilterType.allCases.map(\.rawValue) + ["convolve", "reverb", "normalize"]

    /// - Parameters:
    ///   - type: the effect's type and where it was written.
    ///   - values: key, value, and where each was written, in order.
    static func parse(type: String, at location: PresetLocation, values: [(key: String, value: RawValue, location: PresetLocation)]) throws -> LocatedEffect {
        guard let allowed = keysByType[type] else {
            throw location.error("unknown effect type '\(type)'\(suggestion(for: type, among: typeNames)); expected one of \(typeNames.joined(separator: ", "))")
        }
        var table: [String: (value: RawValue, location: PresetLocation)] = [:]
        for entry in values {
            guard allowed.contains(entry.key) else {
                throw entry.location.error("unknown key '\(entry.key)' for \(type)\(suggestion(for: entry.key, among: allowed)); expected one of \(allowed.joined(separator: ", "))")
            }
            guard table[entry.key] == nil else { throw entry.location.error("'\(entry.key)' is given twice") }
            table[entry.key] = (entry.value, entry.location)
        }
        let reader = ValueReader(table: table, effectLocation: location, type: type)
        let effect: ChainEffect
        switch type {
        case "gain":
            effect = .gain(decibels: try reader.number("db", required: true, range: -120...60, expected: "a gain in dB from -120 to 60")!)
        case "delay":
            effect = .delay(milliseconds: try reader.number("ms", required: true, range: 0...60_000, expected: "a delay in ms from 0 to 60000")!)
        case "normalize":
            effect = .normalize(dBFS: try reader.number("db", range: -120...0, expected: "a peak level in dBFS from -120 to 0") ?? -1)
        case "convolve":
            let mode = try reader.text("mode").map { name in
                guard let mode = ConvolutionMode(rawValue: name) else {
                    throw reader.location(of: "mode").error("expected full, same or valid, found \"\(name)\"")
                }
                return mode
            } ?? .full
            effect = .convolve(kernel: try reader.text("kernel", required: true)!, mode: mode, correlate: try reader.bool("correlate") ?? false)
        case "reverb":
            var settings = ReverbSettings()
            if let wet = try reader.gain("wet") { settings.wet = wet }
            if let dry = try reader.gain("dry") { settings.dry = dry }
            settings.predelay = try reader.number("predelay", range: 0...10_000, expected: "a predelay in ms from 0 to 10000") ?? 0
            if let name = try reader.text("normalize_ir") {
                guard let rule = IRNormalization(rawValue: name) else {
                    throw reader.location(of: "normalize_ir").error("expected energy, peak or none, found \"\(name)\"")
                }
                settings.normalization = rule
            }
            if let name = try reader.text("tail") {
                guard let tail = TailPolicy(rawValue: name) else { throw reader.location(of: "tail").error("expected full or auto, found \"\(name)\"") }
                settings.tail = tail
            }
            if let raw = table["ir_trim_start"] {
                switch raw.value {
                case .text("auto"): settings.trimStart = .auto
                case .number(let ms) where ms >= 0: settings.trimStart = .milliseconds(ms)
                case .integer(let ms) where ms >= 0: settings.trimStart = .milliseconds(Double(ms))
                default: throw raw.location.error("expected \"auto\" or milliseconds ≥ 0, found \(raw.value)")
                }
            }
            settings.irLength = try reader.number("ir_length", range: 0.001...600, expected: "a length in seconds")
            settings.irReverse = try reader.bool("ir_reverse") ?? false
            effect = .reverb(impulse: try reader.text("impulse", required: true)!, settings: settings)
        default:
            let filterType = FilterType(rawValue: type)!
            var spec = FilterSpec(type: filterType)
            spec.cutoff = try reader.number("cutoff", range: .ulpOfOne...1e7, expected: "a frequency in Hz above 0")
            spec.low = try reader.number("low", range: .ulpOfOne...1e7, expected: "a frequency in Hz above 0")
            spec.high = try reader.number("high", range: .ulpOfOne...1e7, expected: "a frequency in Hz above 0")
            spec.taps = try reader.integer("taps", range: 1...FIRDesign.maximumTaps, expected: "a whole number of taps from 1 to \(FIRDesign.maximumTaps)")
            spec.window = try reader.text("window")
            spec.beta = try reader.number("beta", range: 0...100, expected: "a Kaiser β from 0 to 100")
            spec.transition = try reader.number("transition", range: .ulpOfOne...1e7, expected: "a width in Hz above 0")
            spec.attenuation = try reader.number("attenuation", range: 1...300, expected: "an attenuation in dB from 1 to 300")
            spec.points = try reader.text("points")
            spec.minimumPhase = try reader.bool("minimum_phase") ?? false
            switch filterType {
            case .lowpass, .highpass:
                if spec.cutoff == nil { throw location.error("\(type) needs 'cutoff' (Hz)") }
            case .bandpass, .bandstop:
                if spec.low == nil || spec.high == nil { throw location.error("\(type) needs 'low' and 'high' (Hz)") }
            case .eq:
                if spec.points == nil { throw location.error("eq needs 'points', e.g. \"100:+2,3000:-1.5\"") }
            case .ramp:
                break
            }
            effect = .filter(spec: spec, keepDelay: try reader.bool("keep_delay") ?? false)
        }
        return LocatedEffect(effect: effect, location: location, keyLocations: table.mapValues(\.location))
    }
}

/// Typed reads of an effect's values, with errors that say what was expected and what was found.
private struct ValueReader {
    let table: [String: (value: RawValue, location: PresetLocation)]
    let effectLocation: PresetLocation
    let type: String

    func location(of key: String) -> PresetLocation { table[key]?.location ?? effectLocation }

    private func missing(_ key: String, _ expected: String) -> SFConvError {
        effectLocation.error("\(type) needs '\(key)' (\(expected))")
    }

    func number(_ key: String, required: Bool = false, range: ClosedRange<Double>, expected: String) throws -> Double? {
        guard let entry = table[key] else {
            if required { throw missing(key, expected) }
            return nil
        }
        let value: Double
        switch entry.value {
        case .number(let v): value = v
        case .integer(let v): value = Double(v)
        default: throw entry.location.error("expected \(expected), found \(entry.value)")
        }
        guard range.contains(value) else { throw entry.location.error("expected \(expected), found \(FIRDesign.format(value))") }
        return value
    }

    func integer(_ key: String, range: ClosedRange<Int>, expected: String) throws -> Int? {
        guard let entry = table[key] else { return nil }
        guard case .integer(let value) = entry.value else { throw entry.location.error("expected \(expected), found \(entry.value)") }
        guard range.contains(value) else { throw entry.location.error("expected \(expected), found \(value)") }
        return value
    }

    func text(_ key: String, required: Bool = false) throws -> String? {
        guard let entry = table[key] else {
            if required { throw missing(key, "a file name") }
            return nil
        }
        guard case .text(let value) = entry.value, !value.isEmpty else { throw entry.location.error("expected a string, found \(entry.value)") }
        return value
    }

    func bool(_ key: String) throws -> Bool? {
        guard let entry = table[key] else { return nil }
        guard case .boolean(let value) = entry.value else { throw entry.location.error("expected true or false, found \(entry.value)") }
        return value
    }

    /// A linear gain (0 … 4) or a string in dB ("-6dB").
    func gain(_ key: String) throws -> Gain? {
        guard let entry = table[key] else { return nil }
        let gain: Gain?
        switch entry.value {
        case .number(let v): gain = v >= 0 ? Gain(linear: v) : nil
        case .integer(let v): gain = v >= 0 ? Gain(linear: Double(v)) : nil
        case .text(let text): gain = Gain(text)
        default: gain = nil
        }
        guard let gain, gain.linear <= ReverbSettings.maximumGain else {
            throw entry.location.error("expected a linear gain from 0 to \(FIRDesign.format(ReverbSettings.maximumGain)) or decibels such as \"-6dB\" (at most +12 dB), found \(entry.value)")
        }
        return gain
    }
}
