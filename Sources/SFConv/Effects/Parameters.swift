import Foundation

/// Where an effect or one of its values was written, for error messages: a preset file's line and
/// key path, a part of an inline `--chain`, or a command-line option.
public struct ChainLocation: Sendable, Equatable, CustomStringConvertible {
    public enum Origin: Sendable, Equatable {
        /// A preset file: keys are named `'cutoff'`.
        case preset(path: String)
        /// An inline `--chain`: keys are named `'cutoff'`.
        case inlineChain
        /// Command-line options of `convolve`, `filter`, `reverb`: keys are named `--cutoff`.
        case commandLine
    }

    public var origin: Origin
    public var line: Int?
    public var column: Int?
    /// `effect[2].cutoff`; `effect 2 'lowpass:cutoff=90', key 'cutoff'`; `--cutoff`.
    public var keyPath: String

    public init(origin: Origin, line: Int? = nil, column: Int? = nil, keyPath: String) {
        self.origin = origin
        self.line = line
        self.column = column
        self.keyPath = keyPath
    }

    public var description: String {
        var place: String
        switch origin {
        case .preset(let path): place = path
        case .inlineChain: place = ""
        case .commandLine: return keyPath
        }
        if let line { place += ":\(line)" }
        if let column { place += ":\(column)" }
        if place.isEmpty { return keyPath }
        return keyPath.isEmpty ? place : "\(place): \(keyPath)"
    }

    /// How a key is named in messages from this origin: `'cutoff'` or `--cutoff`.
    public func name(of key: String) -> String {
        origin == .commandLine ? "--" + key.replacingOccurrences(of: "_", with: "-") : "'\(key)'"
    }

    /// An error at this place.
    public func error(_ message: String) -> SFConvError {
        let place = description
        return SFConvError(place.isEmpty ? message : "\(place): \(message)")
    }
}

/// A value as written: from TOML (typed), or as text (an inline chain or a command-line option,
/// typed by its look).
public enum RawValue: Sendable, Equatable, CustomStringConvertible {
    case number(Double)
    case integer(Int)
    case text(String)
    case boolean(Bool)
    /// A TOML value of another kind (a table, an array, a date), by its kind's name.
    case other(String)

    /// Types a value written as text: a whole number, a number, true/false, or text.
    public init(text: String) {
        if let integer = Int(text) {
            self = .integer(integer)
        } else if let number = Double(text), number.isFinite, !text.lowercased().contains("n") {
            self = .number(number)
        } else if text == "true" || text == "false" {
            self = .boolean(text == "true")
        } else {
            self = .text(text)
        }
    }

    public var description: String {
        switch self {
        case .number(let v): "the number \(Numbers.format(v))"
        case .integer(let v): "the integer \(v)"
        case .text(let v): "the string \"\(v.count > 60 ? v.prefix(60) + "…" : Substring(v))\""
        case .boolean(let v): "\(v)"
        case .other(let kind): kind
        }
    }

    /// A number, from a number, an integer, or text holding a finite number.
    var number: Double? {
        switch self {
        case .number(let v): v.isFinite ? v : nil
        case .integer(let v): Double(v)
        case .text(let t): Numbers.parse(t)
        default: nil
        }
    }

    /// The value as text a gain or time parser reads.
    var text: String? {
        switch self {
        case .number(let v): v.isFinite ? "\(v)" : nil
        case .integer(let v): "\(v)"
        case .text(let t): t
        default: nil
        }
    }
}

/// A value and where it was written.
public struct PlacedValue: Sendable {
    public var value: RawValue
    public var location: ChainLocation

    public init(_ value: RawValue, at location: ChainLocation) {
        self.value = value
        self.location = location
    }
}

/// What a parameter's value must be; each kind parses and range-checks the same way wherever the
/// value is written (preset, `--chain`, command-line option).
public enum ValueKind: Sendable {
    /// A number with a unit, from `lower` to `upper` (`lower` excluded when `lowerOpen`).
    case number(noun: String, unit: String, lower: Double, upper: Double, lowerOpen: Bool)
    case integer(noun: String, range: ClosedRange<Int>)
    /// A linear gain (at most `maximum`) or decibels (`-6dB`).
    case gain(maximum: Double)
    /// Decibels, written `-6` or `-6dB`.
    case decibels(noun: String, range: ClosedRange<Double>)
    /// One of `names`; `noun` names what they are (`window`, `mode`).
    case choice(noun: String, [String])
    case flag
    /// Free text; `example` shows its form.
    case text(example: String)
    /// Hz:dB points separated by commas (`20:0,200:+3`); an inline `--chain` writes them with `/`
    /// and `;` (`20/0;200/+3`), its own separators being `:` and `,`.
    case points
    /// Numbers separated by commas (`0,4000,5000,24000`), or a TOML array of numbers; an inline
    /// `--chain` separates them with `;`.
    case numbers(noun: String)
    /// A file name, relative to the preset's folder (or the current one), then the shipped `impulses/`.
    case file
    /// `auto`, or a number as in ``number(noun:unit:lower:upper:lowerOpen:)`` from 0.
    case autoOrNumber(noun: String, unit: String, upper: Double)
    /// A time ≥ 0 in seconds (`1.5`, `250ms`) or frames (`48000f`), at most `maximumSeconds`.
    case time(maximumSeconds: Double)

    /// What a value must look like, for help and errors.
    public var expected: String {
        switch self {
        case .number(let noun, let unit, let lower, let upper, let lowerOpen):
            let inUnit = unit.isEmpty ? "" : " in \(unit)"
            return upper >= 1e7 ? "\(noun)\(inUnit) \(lowerOpen ? "above" : "from") \(Numbers.format(lower))"
                : "\(noun)\(inUnit) from \(Numbers.format(lower)) to \(Numbers.format(upper))"
        case .integer(let noun, let range): return "\(noun) from \(range.lowerBound) to \(range.upperBound)"
        case .gain(let maximum): return Gain.expected(maximum: maximum)
        case .decibels(let noun, let range): return "\(noun) from \(Numbers.format(range.lowerBound)) to \(Numbers.format(range.upperBound)) dB"
        case .choice(_, let names): return names.count == 1 ? names[0] : names.dropLast().joined(separator: ", ") + " or " + names.last!
        case .flag: return "true or false"
        case .text(let example): return "text such as \"\(example)\""
        case .points: return "Hz:dB points such as \"20:0,200:+3,2000:-2\""
        case .numbers(let noun): return "\(noun): numbers separated by commas"
        case .file: return "a file name"
        case .autoOrNumber(let noun, let unit, let upper): return "auto or \(noun) in \(unit) from 0 to \(Numbers.format(upper))"
        case .time(let maximum): return "a time from 0 to \(Numbers.format(maximum)) s (1.5, 250ms or 48000f)"
        }
    }
}

/// One parameter of an effect kind: its preset key (options are the key with `--` and dashes),
/// what it takes, and a line of help.
public struct ParameterDeclaration: Sendable {
    public var key: String
    public var kind: ValueKind
    public var help: String
    public var required: Bool

    public init(_ key: String, _ kind: ValueKind, required: Bool = false, help: String) {
        self.key = key
        self.kind = kind
        self.help = help
        self.required = required
    }

    /// The command-line option: `--ir-trim-start`.
    public var optionName: String { "--" + key.replacingOccurrences(of: "_", with: "-") }
}

extension ValueKind {
    /// Frequencies above 0 Hz, up to 10 MHz (a design that underflows is refused when it is made).
    static func frequency(_ noun: String = "a frequency") -> ValueKind {
        .number(noun: noun, unit: "Hz", lower: 0, upper: 1e7, lowerOpen: true)
    }
}
