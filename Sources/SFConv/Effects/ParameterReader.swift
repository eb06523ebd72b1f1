import Foundation

/// Typed reads of one effect's values against its kind's declarations. A bad value is recorded as
/// a problem (at the value's place: file:line and key path, or the option) and read as absent, so
/// one pass finds every problem of an effect; ``EffectKind/make(_:at:)`` throws them together.
public struct ParameterReader {
    public let kind: EffectKind
    /// Where the effect itself was written (its `type`, its part of a chain, its command).
    public let location: ChainLocation
    let values: [String: PlacedValue]
    public private(set) var problems: [SFConvError] = []
    /// Required keys not given, with their problems (dropped by ``EffectKind/make(_:at:)`` when
    /// an unknown key already suggests the missing one).
    private(set) var missing: [(key: String, problem: SFConvError)] = []

    init(kind: EffectKind, location: ChainLocation, values: [String: PlacedValue]) {
        self.kind = kind
        self.location = location
        self.values = values
    }

    /// Where `key` was written, else where the effect was.
    public func location(of key: String) -> ChainLocation { values[key]?.location ?? location }

    /// `'key'` or `--key`, as this effect's origin names keys.
    public func name(_ key: String) -> String { location.name(of: key) }

    /// Whether a value was given for `key`.
    public func has(_ key: String) -> Bool { values[key] != nil }

    /// Records a problem about `key` (or the effect, for nil).
    public mutating func problem(_ key: String?, _ message: String) {
        problems.append((key.map(location(of:)) ?? location).error(message))
    }

    private func declaration(_ key: String) -> ParameterDeclaration {
        guard let declaration = kind.parameters.first(where: { $0.key == key }) else {
            preconditionFailure("\(kind.name) reads undeclared key \(key)")
        }
        return declaration
    }

    /// The raw value of `key`, recording a problem when a required one is missing.
    private mutating func raw(_ key: String) -> PlacedValue? {
        let declaration = declaration(key)
        guard let placed = values[key] else {
            if declaration.required { missing.append((key, location.error("\(kind.name) needs \(name(key)) (\(declaration.kind.expected))"))) }
            return nil
        }
        return placed
    }

    /// A number, which may carry the declared unit as text: `30ms` where milliseconds are asked for.
    private static func number(_ value: RawValue, unit: String) -> Double? {
        if let number = value.number { return number }
        guard !unit.isEmpty, case .text(let text) = value, text.lowercased().hasSuffix(unit.lowercased()) else { return nil }
        return Numbers.parse(String(text.dropLast(unit.count)))
    }

    /// A value of the right type outside the range.
    private mutating func outOfRange(_ key: String, _ found: String) {
        problem(key, "expected \(declaration(key).kind.expected), found \(found)")
    }

    private mutating func mismatch(_ key: String, _ found: RawValue) {
        problem(key, "expected \(declaration(key).kind.expected), found \(found)")
    }

    public mutating func number(_ key: String) -> Double? {
        guard let placed = raw(key) else { return nil }
        guard case .number(_, let unit, let lower, let upper, let lowerOpen) = declaration(key).kind else { preconditionFailure() }
        guard let value = Self.number(placed.value, unit: unit) else {
            mismatch(key, placed.value)
            return nil
        }
        guard value <= upper else {
            problem(key, "expected \(declaration(key).kind.expected), found \(Numbers.format(value)), more than the \(Numbers.format(upper))\(unit.isEmpty ? "" : " " + unit) accepted")
            return nil
        }
        guard lowerOpen ? value > lower : value >= lower else {
            outOfRange(key, Numbers.format(value))
            return nil
        }
        return value
    }

    public mutating func integer(_ key: String) -> Int? {
        guard let placed = raw(key) else { return nil }
        guard case .integer(_, let range) = declaration(key).kind else { preconditionFailure() }
        switch placed.value {
        case .integer(let value) where range.contains(value):
            return value
        case .number(let v) where v == v.rounded() && v >= Double(range.lowerBound) && v <= Double(range.upperBound):
            return Int(v)
        case .integer(let value):
            outOfRange(key, "\(value)")
        case .number(let value) where value.isFinite:
            outOfRange(key, Numbers.format(value))
        default:
            mismatch(key, placed.value)
        }
        return nil
    }

    public mutating func gain(_ key: String) -> Gain? {
        guard let placed = raw(key) else { return nil }
        guard case .gain(let maximum) = declaration(key).kind else { preconditionFailure() }
        guard let text = placed.value.text else {
            mismatch(key, placed.value)
            return nil
        }
        do {
            return try Gain.parse(text, maximum: maximum)
        } catch let error as SFConvError {
            // The parser quotes the text; a TOML number is named as one.
            let found = placed.value.description
            problem(key, error.message.replacingOccurrences(of: "found \"\(text)\"", with: "found \(found)"))
            return nil
        } catch {
            preconditionFailure("\(error)")
        }
    }

    public mutating func decibels(_ key: String) -> Double? {
        guard let placed = raw(key) else { return nil }
        guard case .decibels(_, let range) = declaration(key).kind else { preconditionFailure() }
        var text = placed.value.text ?? ""
        if text.lowercased().hasSuffix("db") { text = String(text.dropLast(2)) }
        guard let value = Numbers.parse(text), range.contains(value) else {
            mismatch(key, placed.value)
            return nil
        }
        return value
    }

    public mutating func choice(_ key: String) -> String? {
        guard let placed = raw(key) else { return nil }
        guard case .choice(let noun, let names) = declaration(key).kind else { preconditionFailure() }
        let expected = declaration(key).kind.expected
        guard case .text(let name) = placed.value else {
            problem(key, "expected \(expected), found \(placed.value)")
            return nil
        }
        guard names.contains(name) else {
            problem(key, "unknown \(noun) '\(name)'\(suggestion(for: name, among: names)); expected \(expected)")
            return nil
        }
        return name
    }

    public mutating func flag(_ key: String) -> Bool {
        guard let placed = raw(key) else { return false }
        guard case .boolean(let value) = placed.value else {
            mismatch(key, placed.value)
            return false
        }
        return value
    }

    /// Text or a file name (non-empty). Free text may be written as a number (`matrix=1`).
    public mutating func text(_ key: String) -> String? {
        guard let placed = raw(key) else { return nil }
        var value: String?
        switch (placed.value, declaration(key).kind) {
        case (.text(let text), _) where !text.isEmpty: value = text
        case (.integer, .text), (.number, .text), (.integer, .points), (.number, .points): value = placed.value.text
        default: value = nil
        }
        if value == nil { mismatch(key, placed.value) }
        return value
    }

    /// A list of finite numbers, from text with commas or a number alone.
    public mutating func numbers(_ key: String) -> [Double]? {
        guard let placed = raw(key) else { return nil }
        let items = placed.value.text?.split(separator: ",", omittingEmptySubsequences: false)
            .map { Numbers.parse($0.trimmingCharacters(in: .whitespaces)) }
        guard let items, !items.isEmpty, items.allSatisfy({ $0 != nil }) else {
            mismatch(key, placed.value)
            return nil
        }
        return items.map { $0! }
    }

    /// nil when absent or bad; `.some(nil)` for `auto`.
    public mutating func autoOrNumber(_ key: String) -> Double?? {
        guard let placed = raw(key) else { return nil }
        guard case .autoOrNumber(_, let unit, let upper) = declaration(key).kind else { preconditionFailure() }
        if placed.value == .text("auto") { return .some(nil) }
        guard let value = Self.number(placed.value, unit: unit), value >= 0, value <= upper else {
            mismatch(key, placed.value)
            return nil
        }
        return value
    }

    public mutating func time(_ key: String) -> TimeValue? {
        guard let placed = raw(key) else { return nil }
        guard case .time(let maximum) = declaration(key).kind else { preconditionFailure() }
        let time = placed.value.text.flatMap(TimeValue.init)
        switch time {
        case .seconds(let s)? where s <= maximum: return time
        case .frames(let f)? where Double(f) <= maximum * 768_000: return time
        default:
            mismatch(key, placed.value)
            return nil
        }
    }
}

/// Edit distance, for "did you mean" suggestions.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    guard !a.isEmpty else { return b.count }
    guard !b.isEmpty else { return a.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + [Int](repeating: 0, count: b.count)
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}

/// " (did you mean 'x'?)" when one of `candidates` is within two edits of `word`.
func suggestion(for word: String, among candidates: [String]) -> String {
    let best = candidates.map { ($0, editDistance(word.lowercased(), $0)) }.min { $0.1 < $1.1 }
    guard let best, best.1 <= 2 else { return "" }
    return " (did you mean '\(best.0)'?)"
}
