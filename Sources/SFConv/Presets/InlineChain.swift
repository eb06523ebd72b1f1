/// Parses an inline chain: effects separated by commas, each `type` followed by `:key=value`
/// parameters, e.g. `highpass:cutoff=90,reverb:impulse=hall.flac:wet=0.3,gain:db=-1.5`.
///
/// Values are numbers, `true`/`false`, or text. An `eq`'s points, which contain commas and colons,
/// are written with `;` between points and `/` between frequency and gain:
/// `eq:points=100/+2;3000/-1.5:taps=2047`.
public enum InlineChain {
    public static func parse(_ text: String, searchFolders: [String]) throws -> EffectChain {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        var effects: [LocatedEffect] = []
        for (index, part) in parts.enumerated() {
            let location = PresetLocation(path: nil, line: nil, keyPath: "effect \(index + 1) '\(part)'")
            let fields = part.split(separator: ":", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard let type = fields.first, !type.isEmpty else {
                throw location.error("empty effect; write TYPE:key=value, e.g. gain:db=-3")
            }
            var values: [(key: String, value: RawValue, location: PresetLocation)] = []
            for field in fields.dropFirst() {
                let pieces = field.split(separator: "=", maxSplits: 1).map(String.init)
                guard pieces.count == 2, !pieces[0].isEmpty, !pieces[1].isEmpty else {
                    throw location.error("'\(field)' is not key=value")
                }
                var value = pieces[1]
                if pieces[0] == "points" {
                    value = value.replacingOccurrences(of: ";", with: ",").replacingOccurrences(of: "/", with: ":")
                }
                let keyLocation = PresetLocation(path: nil, line: nil, keyPath: "effect \(index + 1) '\(part)', key '\(pieces[0])'")
                values.append((pieces[0], pieces[0] == "points" ? .text(value) : RawValue(inline: value), keyLocation))
            }
            effects.append(try EffectParser.parse(type: type, at: location, values: values))
        }
        let chain = EffectChain(name: "inline chain", description: nil, path: nil, outputSubtype: nil, outputContainer: nil,
                                effects: effects, fileSearchFolders: searchFolders)
        try PresetLoader.checkNormalizeIsLast(chain)
        return chain
    }
}
