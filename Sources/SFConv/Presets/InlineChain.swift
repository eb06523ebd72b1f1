import Foundation

/// Parses an inline chain: effects separated by commas, each `type` followed by `:key=value`
/// parameters, e.g. `highpass:cutoff=90,reverb:impulse=hall.flac:wet=0.3,gain:db=-1.5`.
///
/// Values are numbers, `true`/`false`, or text, checked by each effect kind's declarations. An
/// `eq`'s points, which contain commas and colons, are written with `;` between points and `/`
/// between frequency and gain: `eq:points=100/+2;3000/-1.5:taps=2047`; lists of numbers with `;`:
/// `remez:bands=0;4000;5000;24000:desired=1;0:taps=101`.
public enum InlineChain {
    public static func parse(_ text: String, searchFolders: [String]) throws -> EffectChain {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        var entries: [ChainEntry] = []
        var problems: [SFConvError] = []
        for (index, part) in parts.enumerated() {
            do {
                entries.append(try entry(part, number: index + 1))
            } catch {
                problems += SFConvErrors.list(error)
            }
        }
        let chain = EffectChain(name: "inline chain", entries: entries, fileSearchFolders: searchFolders)
        if problems.isEmpty { problems = chain.orderProblems() }
        try SFConvErrors.throwIfAny(problems)
        return chain
    }

    private static func entry(_ part: String, number: Int) throws -> ChainEntry {
        let location = ChainLocation(origin: .inlineChain, keyPath: "effect \(number) '\(part)'")
        let fields = part.split(separator: ":", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let type = fields.first, !type.isEmpty else {
            throw location.error("empty effect; write TYPE:key=value, e.g. gain:db=-3")
        }
        var values: [String: PlacedValue] = [:]
        let positional = EffectRegistry.kind(named: type)?.positionalKey
        for field in fields.dropFirst() {
            var pieces = field.split(separator: "=", maxSplits: 1).map(String.init)
            if pieces.count == 1, let positional, !field.isEmpty { pieces = [positional, field] }
            guard pieces.count == 2, !pieces[0].isEmpty, !pieces[1].isEmpty else {
                throw location.error("'\(field)' is not key=value")
            }
            let key = pieces[0]
            let keyLocation = ChainLocation(origin: .inlineChain, keyPath: "effect \(number) '\(part)', key '\(key)'")
            guard values[key] == nil else { throw keyLocation.error("'\(key)' is given twice") }
            // Points are written with this grammar's separators swapped (see ValueKind.points).
            let value = switch EffectRegistry.kind(named: type)?.parameter(key)?.kind {
            case .points?: RawValue.text(pieces[1].replacingOccurrences(of: ";", with: ",").replacingOccurrences(of: "/", with: ":"))
            case .numbers?: RawValue.text(pieces[1].replacingOccurrences(of: ";", with: ","))
            default: RawValue(text: pieces[1])
            }
            values[key] = PlacedValue(value, at: keyLocation)
        }
        return try ChainEntry.parse(type: type, values: values, at: location)
    }
}
