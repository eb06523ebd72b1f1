import Foundation

/// The one place where numbers written by users become numbers the program uses: checked
/// Double → Int conversions (a value out of range is an error, never a trap), gains in linear or
/// decibel form, times in seconds or frames, and a short formatter for messages.
public enum Numbers {
    /// `value` rounded to the nearest whole number, or an error saying `what` is out of range.
    /// Every Double → Int conversion of a user's value goes through here.
    public static func whole(_ value: Double, _ what: @autoclosure () -> String,
                             range: ClosedRange<Int> = (Int.min / 2)...(Int.max / 2)) throws -> Int {
        let rounded = value.rounded()
        guard rounded.isFinite, rounded >= Double(range.lowerBound), rounded <= Double(range.upperBound) else {
            let bounds = range.lowerBound <= Int.min / 2 ? "at most \(range.upperBound)" : "from \(range.lowerBound) to \(range.upperBound)"
            throw SFConvError("\(what()) must be \(bounds), not \(format(value))")
        }
        return Int(rounded)
    }

    /// `value` rounded up to a whole number (for sizes), checked like ``whole(_:_:range:)``.
    public static func wholeRoundingUp(_ value: Double, _ what: @autoclosure () -> String,
                                       range: ClosedRange<Int> = (Int.min / 2)...(Int.max / 2)) throws -> Int {
        try whole(value.rounded(.up), what(), range: range)
    }

    /// Frames for `seconds` at `rate` Hz, checked.
    public static func frames(seconds: Double, rate: Int, _ what: @autoclosure () -> String) throws -> Int {
        try whole(seconds * Double(rate), what(), range: 0...(Int.max / 4))
    }

    /// Parses a size in bytes: `512M`, `2G`, `1.5GiB`, `100000`; nil when malformed or not positive.
    public static func bytes(_ text: String) -> Int? {
        var body = text.trimmingCharacters(in: .whitespaces).uppercased()
        if body.hasSuffix("IB") { body.removeLast(2) } else if body.hasSuffix("B") { body.removeLast() }
        let scales: [Character: Double] = ["K": 0x1p10, "M": 0x1p20, "G": 0x1p30, "T": 0x1p40]
        var scale = 1.0
        if let last = body.last, let factor = scales[last] {
            scale = factor
            body.removeLast()
        }
        guard let value = parse(body), value > 0, value * scale < 9e18 else { return nil }
        return Int(value * scale)
    }

    /// A number for messages: whole numbers without a fraction, others with up to 6 significant digits.
    public static func format(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
        if value == value.rounded() && abs(value) < 1e15 { return String(format: "%.0f", value) }
        return String(format: "%.6g", value)
    }

    /// Parses a plain decimal number, rejecting NaN, infinities, hexadecimal and trailing text.
    public static func parse(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.lowercased().contains("x"), let value = Double(trimmed), value.isFinite else { return nil }
        return value
    }
}

/// A gain given as a linear factor (`0.3`) or in decibels (`-6dB`, `-6 dB`, `+3 db`).
public struct Gain: Sendable, Equatable, CustomStringConvertible {
    public var linear: Double

    public init(linear: Double) { self.linear = linear }
    public init(decibels: Double) { linear = pow(10, decibels / 20) }

    public var decibels: Double { 20 * log10(linear) }

    public var description: String {
        linear == 0 ? "0 (-inf dB)" : String(format: "%.3g (%+.1f dB)", linear, decibels)
    }

    /// What a gain may be written as, for messages.
    public static func expected(maximum: Double?) -> String {
        let limit = maximum.map { " from 0 to \(Numbers.format($0))" } ?? ""
        let dbLimit = maximum.map { String(format: " (at most %+.0f dB)", 20 * log10($0)) } ?? ""
        return "a linear gain\(limit) or decibels such as \"-6dB\"\(dbLimit)"
    }

    /// Parses a gain; the error says what was expected, with a hint for a bare negative number
    /// (`-12` where `-12dB` was surely meant).
    public static func parse(_ text: String, maximum: Double? = nil) throws -> Gain {
        var body = text.trimmingCharacters(in: .whitespaces)
        let isDecibels = body.lowercased().hasSuffix("db")
        if isDecibels { body = String(body.dropLast(2)).trimmingCharacters(in: .whitespaces) }
        let found = "found \"\(text)\""
        guard let value = Numbers.parse(body) else { throw SFConvError("expected \(expected(maximum: maximum)), \(found)") }
        let gain: Gain
        if isDecibels {
            gain = Gain(decibels: value)
        } else {
            guard value >= 0 else {
                throw SFConvError("expected \(expected(maximum: maximum)), \(found) (did you mean \(Numbers.format(value))dB?)")
            }
            gain = Gain(linear: value)
        }
        if let maximum, gain.linear > maximum * (1 + 1e-12) { throw SFConvError("expected \(expected(maximum: maximum)), \(found)") }
        return gain
    }

    /// Parses `LOW:HIGH`, each a gain (`0.1:0.5`, `-20dB:-6dB`).
    public static func parseRange(_ text: String, maximum: Double? = nil) throws -> ClosedRange<Double> {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2 else { throw SFConvError("expected LOW:HIGH gains (0.1:0.5 or -20dB:-6dB), found \"\(text)\"") }
        let low = try parse(parts[0], maximum: maximum).linear, high = try parse(parts[1], maximum: maximum).linear
        guard low <= high else { throw SFConvError("expected LOW:HIGH with LOW ≤ HIGH, found \"\(text)\"") }
        return low...high
    }
}

/// A time written as seconds (`1.5`, `1.5s`), milliseconds (`250ms`) or frames (`48000f`,
/// `48000 frames`); frames need the rate to become seconds, and seconds to become frames.
public enum TimeValue: Sendable, Equatable, CustomStringConvertible {
    case seconds(Double)
    case frames(Int)

    /// Parses a time ≥ 0; nil when malformed.
    public init?(_ text: String) {
        let lower = text.trimmingCharacters(in: .whitespaces).lowercased()
        for (suffix, scale) in [("ms", 0.001), ("s", 1.0)] where lower.hasSuffix(suffix) && !lower.hasSuffix("frames") {
            guard let value = Numbers.parse(String(lower.dropLast(suffix.count))), value >= 0 else { return nil }
            self = .seconds(value * scale)
            return
        }
        for suffix in ["frames", "f"] where lower.hasSuffix(suffix) {
            guard let value = Int(lower.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)), value >= 0 else { return nil }
            self = .frames(value)
            return
        }
        guard let value = Numbers.parse(lower), value >= 0 else { return nil }
        self = .seconds(value)
    }

    /// Whole frames at `rate`, checked.
    public func frames(at rate: Int, _ what: @autoclosure () -> String) throws -> Int {
        switch self {
        case .frames(let count): count
        case .seconds(let seconds): try Numbers.frames(seconds: seconds, rate: rate, what())
        }
    }

    public var description: String {
        switch self {
        case .seconds(let s): "\(Numbers.format(s)) s"
        case .frames(let f): "\(f) frames"
        }
    }
}
