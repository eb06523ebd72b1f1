import Foundation
internal import TOMLKit

/// Reads a preset file (TOML) into an ``EffectChain``, checking everything that can be checked
/// before audio: syntax (with the parser's line and column), keys and types (with the line and
/// key path, `effect[2].cutoff`), names (with "did you mean"), ranges.
public enum PresetLoader {
    static let rootKeys = ["name", "description", "output", "effect"]
    static let outputKeys = ["subtype", "format"]

    public static func load(path: String) throws -> EffectChain {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            var isDirectory: ObjCBool = false
            if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) { throw SFConvError("no such preset file", path: path) }
            if isDirectory.boolValue { throw SFConvError("is a directory, not a preset file", path: path) }
            throw SFConvError("cannot read the preset as UTF-8 text", path: path)
        }
        return try parse(text, path: path)
    }

    public static func parse(_ text: String, path: String) throws -> EffectChain {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            let location = PresetLocation(path: path, line: error.source.begin.line, column: error.source.begin.column, keyPath: "")
            throw location.error("TOML syntax: \(error.description)")
        }
        let lines = LineIndex(text)
        func at(_ keyPath: String, line: Int?) -> PresetLocation { PresetLocation(path: path, line: line, keyPath: keyPath) }

        for key in table.keys where !rootKeys.contains(key) {
            throw at(key, line: lines.rootKey(key)).error("unknown key\(suggestion(for: key, among: rootKeys)); a preset has name, description, [output] and [[effect]] tables")
        }
        var chain = EffectChain(name: URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent, description: nil, path: path,
                                outputSubtype: nil, outputContainer: nil, effects: [],
                                fileSearchFolders: [URL(fileURLWithPath: path).deletingLastPathComponent().path] + PresetLibrary.impulseFolders())
        if let name = table["name"] {
            guard let value = name.string, !value.isEmpty else { throw at("name", line: lines.rootKey("name")).error("expected a string, found \(describe(name))") }
            chain.name = value
        }
        if let description = table["description"] {
            guard let value = description.string else { throw at("description", line: lines.rootKey("description")).error("expected a string, found \(describe(description))") }
            chain.description = value
        }
        if let output = table["output"] {
            guard let outputTable = output.table else { throw at("output", line: lines.rootKey("output")).error("expected a table [output], found \(describe(output))") }
            for key in outputTable.keys {
                let location = at("output.\(key)", line: lines.tableKey("output", key))
                guard outputKeys.contains(key) else { throw location.error("unknown key\(suggestion(for: key, among: outputKeys)); [output] takes subtype and format") }
                guard let value = outputTable[key]?.string else { throw location.error("expected a string, found \(describe(outputTable[key]!))") }
                if key == "subtype" {
                    guard let subtype = SampleSubtype(rawValue: value) else {
                        throw location.error("expected one of \(SampleSubtype.allCases.map(\.rawValue).joined(separator: ", ")), found \"\(value)\"")
                    }
                    chain.outputSubtype = subtype
                } else {
                    guard let container = Container(rawValue: value) else {
                        throw location.error("expected one of \(Container.allCases.map(\.rawValue).joined(separator: ", ")), found \"\(value)\"")
                    }
                    chain.outputContainer = container
                }
            }
        }
        guard let effects = table["effect"] else { throw at("", line: nil).error("no [[effect]] tables: a preset needs at least one effect") }
        guard let array = effects.array else { throw at("effect", line: lines.rootKey("effect")).error("expected [[effect]] tables, found \(describe(effects))") }
        for index in 0..<array.count {
            let number = index + 1
            let keyPath = "effect[\(number)]"
            let headerLine = lines.effectHeader(index)
            guard let effect = array[index].table else { throw at(keyPath, line: headerLine).error("expected a table, found \(describe(array[index]))") }
            guard let typeValue = effect["type"] else { throw at(keyPath, line: headerLine).error("missing 'type' (one of \(EffectParser.typeNames.joined(separator: ", ")))") }
            guard let type = typeValue.string else { throw at("\(keyPath).type", line: lines.effectKey(index, "type")).error("expected a string, found \(describe(typeValue))") }
            var values: [(key: String, value: RawValue, location: PresetLocation)] = []
            for key in effect.keys where key != "type" {
                values.append((key, rawValue(effect[key]!), at("\(keyPath).\(key)", line: lines.effectKey(index, key))))
            }
            chain.effects.append(try EffectParser.parse(type: type, at: at("\(keyPath).type", line: lines.effectKey(index, "type") ?? headerLine), values: values))
        }
        try checkNormalizeIsLast(chain)
        return chain
    }

    static func checkNormalizeIsLast(_ chain: EffectChain) throws {
        for (index, effect) in chain.effects.enumerated() {
            if case .normalize = effect.effect, index != chain.effects.count - 1 {
                throw effect.location.error("normalize must be the last effect")
            }
        }
        if chain.effects.isEmpty { throw SFConvError("the chain has no effects", path: chain.path) }
    }

    private static func rawValue(_ value: TOMLValueConvertible) -> RawValue {
        switch value.type {
        case .int: .integer(value.int!)
        case .double: .number(value.double!)
        case .string: .text(value.string!)
        case .bool: .boolean(value.bool!)
        default: .other(describe(value))
        }
    }

    private static func describe(_ value: TOMLValueConvertible) -> String {
        switch value.type {
        case .int: "the integer \(value.int!)"
        case .double: "the number \(value.double!)"
        case .string: "the string \"\(value.string!)\""
        case .bool: "\(value.bool!)"
        case .table: "a table"
        case .array: "an array"
        default: "a date or time"
        }
    }
}

/// Finds the line of a key in a preset's text (TOMLKit gives values without their positions).
private struct LineIndex {
    let lines: [Substring]
    /// Line indices of each `[[effect]]` header, and of the `[output]` header.
    let effectHeaders: [Int]
    let tableHeaders: [String: Int]

    init(_ text: String) {
        lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var effects: [Int] = [], tables: [String: Int] = [:]
        for (i, line) in lines.enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("[[") {
                let name = trimmed.dropFirst(2).prefix { $0 != "]" }.trimmingCharacters(in: .whitespaces)
                if name == "effect" { effects.append(i) }
            } else if trimmed.hasPrefix("[") {
                let name = trimmed.dropFirst().prefix { $0 != "]" }.trimmingCharacters(in: .whitespaces)
                tables[name] = i
            }
        }
        effectHeaders = effects
        tableHeaders = tables
    }

    private func find(_ key: String, from start: Int, to end: Int) -> Int? {
        guard start < end else { return nil }
        for i in start..<end {
            let trimmed = lines[i].trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix(key) {
                let rest = trimmed.dropFirst(key.count).trimmingCharacters(in: .whitespaces)
                if rest.hasPrefix("=") { return i + 1 }
            }
        }
        return nil
    }

    /// The end of the section starting at line `start`: the next header.
    private func sectionEnd(after start: Int) -> Int {
        let headers = (effectHeaders + Array(tableHeaders.values)).filter { $0 > start }
        return headers.min() ?? lines.count
    }

    func rootKey(_ key: String) -> Int? {
        let firstHeader = (effectHeaders + Array(tableHeaders.values)).min() ?? lines.count
        if let line = find(key, from: 0, to: firstHeader) { return line }
        if key == "output", let header = tableHeaders["output"] { return header + 1 }
        if key == "effect", let header = effectHeaders.first { return header + 1 }
        return nil
    }

    func tableKey(_ table: String, _ key: String) -> Int? {
        guard let header = tableHeaders[table] else { return nil }
        return find(key, from: header + 1, to: sectionEnd(after: header))
    }

    func effectHeader(_ index: Int) -> Int? { index < effectHeaders.count ? effectHeaders[index] + 1 : nil }

    func effectKey(_ index: Int, _ key: String) -> Int? {
        guard index < effectHeaders.count else { return nil }
        let header = effectHeaders[index]
        return find(key, from: header + 1, to: sectionEnd(after: header))
    }
}
