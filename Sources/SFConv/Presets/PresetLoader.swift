import Foundation
internal import TOMLKit

/// Reads a preset file (TOML) into an ``EffectChain``, checking everything that can be checked
/// before audio: syntax (with the parser's line and column), keys and types (with the line and
/// key path, `effect[2].cutoff`), names (with "did you mean"), ranges and combinations. Every
/// problem in the file is reported, not only the first.
public enum PresetLoader {
    static let rootKeys = ["name", "description", "output", "effect"]
    static let outputKeys = ["subtype", "format", "precision"]

    public static func load(path: String) throws -> EffectChain {
        try parse(try text(at: path), path: path)
    }

    /// The preset file's text, or an error saying why it cannot be read.
    private static func text(at path: String) throws -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            var isDirectory: ObjCBool = false
            if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) { throw SFConvError("no such preset file", path: path) }
            if isDirectory.boolValue { throw SFConvError("is a directory, not a preset file", path: path) }
            throw SFConvError("cannot read the preset as UTF-8 text", path: path)
        }
    }

    /// The largest preset file read (presets are a few hundred bytes).
    static let maximumSize = 1 << 20
    /// The most dots in one key or table name (the TOML parser recurses once per part).
    static let maximumKeyParts = 64

    public static func parse(_ text: String, path: String) throws -> EffectChain {
        let (chain, problems, _) = try read(text, path: path)
        try SFConvErrors.throwIfAny(problems)
        return chain
    }

    /// Everything `apply` would find wrong with the preset at `path` before it meets an input:
    /// every problem of the file, and every referenced kernel or impulse file that is missing or
    /// not readable audio (`files` is given the chain's search folders). Empty when all is well.
    public static func check(path: String, files: ([String]) -> any AudioFiles) -> [SFConvError] {
        do {
            let (chain, problems, references) = try read(try text(at: path), path: path)
            let finder = files(chain.fileSearchFolders)
            return problems + references.compactMap { name, location in
                do {
                    try finder.check(try finder.resolve(name))
                    return nil
                } catch {
                    return location.error(SFConvErrors.list(error).map(\.description).joined(separator: "; "))
                }
            }
        } catch {
            return SFConvErrors.list(error)
        }
    }

    /// Refuses what would make the TOML parser run out of stack or memory: a huge file, or a key
    /// of very many dotted parts.
    private static func checkSize(_ text: String, path: String) throws {
        guard text.utf8.count <= maximumSize else {
            throw SFConvError("the preset is \(text.utf8.count) bytes; a preset may have at most \(maximumSize)", path: path)
        }
        for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let key = line.prefix { $0 != "=" && $0 != "\"" && $0 != "'" && $0 != "#" }
            if key.filter({ $0 == "." }).count > maximumKeyParts {
                let location = ChainLocation(origin: .preset(path: path), line: index + 1, keyPath: "")
                throw location.error("a key of more than \(maximumKeyParts) dotted parts")
            }
        }
        if let hazard = firstParserHazard(text) {
            throw ChainLocation(origin: .preset(path: path), line: hazard.line, keyPath: "").error("TOML syntax: \(hazard.problem)")
        }
    }

    /// The first place where the TOML parser would stop the process (it asserts instead of
    /// reporting, on each of these the fuzzer found): a non-ASCII or control character outside
    /// strings and comments, a table header without a name, mismatched brackets, a date or time.
    static func firstParserHazard(_ text: String) -> (line: Int, problem: String)? {
        enum State { case code, comment, basic, literal, multilineBasic, multilineLiteral }
        let characters = Array(text.unicodeScalars)
        var state = State.code, line = 1, i = 0, lineStart = true
        var open: [Unicode.Scalar] = []  // brackets and braces not yet closed
        var inValue = false  // after a key's '=' (until the line, or the value's brackets, end)
        func headerHasName(after index: Int) -> Bool {
            var j = index + 1
            if j < characters.count && characters[j] == "[" { j += 1 }
            while j < characters.count && (characters[j] == " " || characters[j] == "\t") { j += 1 }
            guard j < characters.count else { return false }
            let c = characters[j]
            return c.properties.isASCIIHexDigit || (c.isASCII && (CharacterSet.letters.contains(c) || "_-\"'".unicodeScalars.contains(c)))
        }
        func starts(_ literal: String) -> Bool {
            let scalars = Array(literal.unicodeScalars)
            return i + scalars.count <= characters.count && Array(characters[i..<(i + scalars.count)]) == scalars
        }
        let tripleQuote = String(repeating: "\"", count: 3), tripleApostrophe = String(repeating: "'", count: 3)
        // A multi-line string may end in one or two quotes of its own before its closing three.
        func quoteRun(from start: Int) -> Int {
            var end = start
            while end < characters.count && characters[end] == characters[start] && end - start < 5 { end += 1 }
            return end - start
        }
        while i < characters.count {
            let c = characters[i]
            if c == "\n" { line += 1 }
            switch state {
            case .code:
                if !c.isASCII { return (line, "a character outside ASCII outside a string or comment") }
                if c.value < 0x20 && c != "\t" && c != "\n" && c != "\r" || c.value == 0x7F {
                    return (line, "a control character (0x\(String(c.value, radix: 16)))")
                }
                if c == "[" && lineStart && !headerHasName(after: i) { return (line, "a table header without a name") }
                // Dates and times (a digit then '-' or ':'): presets have none, and the parser asserts on odd ones.
                if c == "=" { inValue = true }
                if c == "\n" && open.isEmpty { inValue = false }
                if inValue && (c == "-" || c == ":") && i > 0 && characters[i - 1].properties.numericType != nil {
                    return (line, "a date or time value (presets take numbers, strings and true/false)")
                }
                if c == "[" || c == "{" { open.append(c) }
                if c == "]" || c == "}", let last = open.popLast(), (last == "[") != (c == "]") {
                    return (line, "'\(c)' closes '\(last)'")
                }
                lineStart = c == "\n" || (lineStart && (c == " " || c == "\t"))
                if c == "#" { state = .comment }
                else if starts(tripleQuote) { state = .multilineBasic; i += 2 }
                else if starts(tripleApostrophe) { state = .multilineLiteral; i += 2 }
                else if c == "\"" { state = .basic }
                else if c == "'" { state = .literal }
            case .comment:
                if c == "\n" {
                    state = .code
                    lineStart = true
                }
            case .basic:
                if c == "\\" { i += 1 } else if c == "\"" || c == "\n" { state = .code }
            case .literal:
                if c == "'" || c == "\n" { state = .code }
            case .multilineBasic:
                if c == "\\" { i += 1 } else if starts(tripleQuote) { state = .code; i += quoteRun(from: i) - 1 }
            case .multilineLiteral:
                if starts(tripleApostrophe) { state = .code; i += quoteRun(from: i) - 1 }
            }
            i += 1
        }
        return nil
    }

    /// The chain, every problem found, and the files its effects name (with where each was written).
    private static func read(_ text: String, path: String) throws -> (EffectChain, [SFConvError], [(String, ChainLocation)]) {
        try checkSize(text, path: path)
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            let location = ChainLocation(origin: .preset(path: path), line: error.source.begin.line, column: error.source.begin.column, keyPath: "")
            throw location.error("TOML syntax: \(error.description)")
        }
        var reader = PresetReader(path: path, lines: LineIndex(text))
        var chain = EffectChain(name: URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent, entries: [],
                                fileSearchFolders: [URL(fileURLWithPath: path).deletingLastPathComponent().path] + PresetLibrary.impulseFolders(),
                                path: path)
        reader.readRoot(table, into: &chain)
        chain.entries = reader.readEffects(table)
        if reader.problems.isEmpty || !chain.entries.isEmpty { reader.problems += chain.orderProblems() }
        return (chain, reader.problems, reader.fileReferences)
    }
}

/// One pass over a parsed preset, collecting every problem with its line.
private struct PresetReader {
    let path: String
    let lines: LineIndex
    var problems: [SFConvError] = []
    /// Values of `.file` keys, whether or not their effect parsed.
    var fileReferences: [(String, ChainLocation)] = []

    func at(_ keyPath: String, line: Int?) -> ChainLocation {
        ChainLocation(origin: .preset(path: path), line: line, keyPath: keyPath)
    }

    mutating func report(_ keyPath: String, line: Int?, _ message: String) {
        problems.append(at(keyPath, line: line).error(message))
    }

    mutating func readRoot(_ table: TOMLTable, into chain: inout EffectChain) {
        for key in table.keys where !PresetLoader.rootKeys.contains(key) {
            report(key, line: lines.rootKey(key), "unknown key\(suggestion(for: key, among: PresetLoader.rootKeys)); a preset has name, description, [output] and [[effect]] tables")
        }
        for key in ["name", "description"] {
            guard let value = table[key] else { continue }
            guard let text = value.string, !(key == "name" && text.isEmpty) else {
                report(key, line: lines.rootKey(key), "expected a string, found \(describe(value))")
                continue
            }
            if key == "name" { chain.name = text } else { chain.description = text }
        }
        guard let output = table["output"] else { return }
        guard let outputTable = output.table else {
            return report("output", line: lines.rootKey("output"), "expected a table [output], found \(describe(output))")
        }
        for key in outputTable.keys {
            let keyPath = "output.\(key)", line = lines.tableKey("output", key)
            guard PresetLoader.outputKeys.contains(key) else {
                report(keyPath, line: line, "unknown key\(suggestion(for: key, among: PresetLoader.outputKeys)); [output] takes subtype, format and precision")
                continue
            }
            guard let value = outputTable[key]?.string else {
                report(keyPath, line: line, "expected a string, found \(describe(outputTable[key]!))")
                continue
            }
            if key == "subtype" {
                chain.outputSubtype = SampleSubtype(rawValue: value)
                if chain.outputSubtype == nil { report(keyPath, line: line, "expected one of \(SampleSubtype.allCases.map(\.rawValue).joined(separator: ", ")), found \"\(value)\"") }
            } else if key == "precision" {
                chain.outputPrecision = PrecisionSetting(rawValue: value)
                if chain.outputPrecision == nil { report(keyPath, line: line, "expected one of \(PrecisionSetting.allCases.map(\.rawValue).joined(separator: ", ")), found \"\(value)\"") }
            } else {
                chain.outputContainer = Container(rawValue: value)
                if chain.outputContainer == nil { report(keyPath, line: line, "expected one of \(Container.allCases.map(\.rawValue).joined(separator: ", ")), found \"\(value)\"") }
            }
        }
        if let container = chain.outputContainer, let subtype = chain.outputSubtype, !container.canStore(subtype) {
            report("output.subtype", line: lines.tableKey("output", "subtype"),
                   "\(container.rawValue) cannot store \(subtype.rawValue) samples\(container.writableSubtypes.isEmpty ? "" : "; choose one of " + container.writableSubtypes.map(\.rawValue).joined(separator: ", "))")
        }
    }

    mutating func readEffects(_ table: TOMLTable) -> [ChainEntry] {
        guard let effects = table["effect"] else {
            report("", line: nil, "no [[effect]] tables: a preset needs at least one effect")
            return []
        }
        guard let array = effects.array else {
            report("effect", line: lines.rootKey("effect"), "expected [[effect]] tables, found \(describe(effects))")
            return []
        }
        guard array.count <= EffectChain.maximumLength else {
            report("effect", line: lines.rootKey("effect"), "\(array.count) effects; at most \(EffectChain.maximumLength) are allowed")
            return []
        }
        return (0..<array.count).compactMap { readEffect(array[$0], index: $0) }
    }

    mutating func readEffect(_ value: TOMLValueConvertible, index: Int) -> ChainEntry? {
        let keyPath = "effect[\(index + 1)]", headerLine = lines.effectHeader(index)
        guard let effect = value.table else {
            report(keyPath, line: headerLine, "expected a table, found \(describe(value))")
            return nil
        }
        guard let typeValue = effect["type"] else {
            report(keyPath, line: headerLine, "missing 'type' (one of \(EffectRegistry.names.joined(separator: ", ")))")
            return nil
        }
        guard let type = typeValue.string else {
            report("\(keyPath).type", line: lines.effectKey(index, "type"), "expected a string, found \(describe(typeValue))")
            return nil
        }
        var values: [String: PlacedValue] = [:]
        for key in effect.keys where key != "type" {
            values[key] = PlacedValue(rawValue(effect[key]!), at: at("\(keyPath).\(key)", line: lines.effectKey(index, key)))
            if case .file? = EffectRegistry.kind(named: type)?.parameter(key)?.kind, case .text(let name)? = values[key]?.value, !name.isEmpty {
                fileReferences.append((name, values[key]!.location))
            }
        }
        do {
            return try ChainEntry.parse(type: type, values: values, at: at("\(keyPath).type", line: lines.effectKey(index, "type") ?? headerLine))
        } catch {
            problems += SFConvErrors.list(error)
            return nil
        }
    }

    private func rawValue(_ value: TOMLValueConvertible) -> RawValue {
        switch value.type {
        case .int: .integer(value.int!)
        case .double: .number(value.double!)
        case .string: .text(value.string!)
        case .bool: .boolean(value.bool!)
        case .array: numberList(value) ?? .other(describe(value))
        default: .other(describe(value))
        }
    }

    /// An array of numbers, as the comma-separated text a list parameter reads.
    private func numberList(_ value: TOMLValueConvertible) -> RawValue? {
        guard let array = value.array, !array.isEmpty else { return nil }
        var items: [String] = []
        for item in array {
            switch item.type {
            case .int: items.append("\(item.int!)")
            case .double where item.double!.isFinite: items.append("\(item.double!)")
            default: return nil
            }
        }
        return .text(items.joined(separator: ","))
    }

    private func describe(_ value: TOMLValueConvertible) -> String {
        switch value.type {
        case .int: "the integer \(value.int!)"
        case .double: "the number \(Numbers.format(value.double!))"
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
        lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
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
