import Foundation

/// JSON-lines manifests (NeMo, Lhotse-style): one JSON object per line, `audio_filepath` naming the audio.
public enum Manifest {
    /// The keys every output line has (null where not used).
    public static let keys = ["audio_filepath", "duration", "sample_rate", "channels", "source", "ir", "ir_channel", "rt60", "drr_db",
                              "wet_db", "dry_db", "snr_db", "noise", "noise_offset", "target_filepath", "gain_db", "seed"]

    /// An input manifest's files as jobs: each `audio_filepath`, relative to `inputFolder` (or an
    /// absolute path inside it), written to the same relative path under `outputFolder`; and each
    /// line's object (its other keys are copied to the output manifest), keyed by relative path.
    /// A line that is not a JSON object, lacks `audio_filepath`, or lists a file twice is an error
    /// naming the manifest and line.
    public static func jobs(inputManifest path: String, inputFolder: String, outputFolder: String,
                            container: Container?) throws -> (jobs: [BatchJob], lines: [String: Data]) {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw SFConvError("--input-manifest: cannot read the file", path: path)
        }
        guard let text = String(data: data, encoding: .utf8) else { throw SFConvError("--input-manifest: not UTF-8 text", path: path) }
        let root = URL(fileURLWithPath: inputFolder).standardizedFileURL.path
        let outputRoot = URL(fileURLWithPath: outputFolder).standardizedFileURL.path
        var jobs: [BatchJob] = [], lines: [String: Data] = [:], lineOf: [String: Int] = [:]
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            let place = "\(path):\(index + 1)"
            let lineData = Data(trimmed.utf8)
            guard let object = try? JSONSerialization.jsonObject(with: lineData) as? [String: Any] else {
                throw SFConvError("\(place): not a JSON object")
            }
            guard let audio = object["audio_filepath"] as? String, !audio.isEmpty else {
                throw SFConvError("\(place): no \"audio_filepath\" string")
            }
            let full = URL(fileURLWithPath: audio.hasPrefix("/") ? audio : root + "/" + audio).standardizedFileURL.path
            guard full.hasPrefix(root + "/") else {
                throw SFConvError("\(place): \"\(audio)\" lies outside IN_DIR (\(inputFolder)); relative paths are read from IN_DIR")
            }
            let relative = String(full.dropFirst(root.count + 1))
            if let first = lineOf[relative] { throw SFConvError("\(place): \"\(audio)\" is listed twice (first on line \(first))") }
            lineOf[relative] = index + 1
            var outputRelative = relative
            if let container { outputRelative = (relative as NSString).deletingPathExtension + "." + container.rawValue }
            jobs.append(BatchJob(relativePath: relative, inputPath: full, outputPath: outputRoot + "/" + outputRelative, outputRelativePath: outputRelative))
            lines[relative] = lineData
        }
        let byOutput = Dictionary(grouping: jobs, by: \.outputPath).filter { $0.value.count > 1 }
        if let (output, clash) = byOutput.min(by: { $0.key < $1.key }) {
            throw SFConvError("\(clash.map(\.relativePath).joined(separator: " and ")) would both be written to \(output)", path: path)
        }
        return (jobs, lines)
    }

    /// One output line: the input line's other keys (if any), then the augmentation's figures.
    /// Paths are as given (`outputGiven`, `sourceGiven`, the record's IR, noise and target).
    public static func line(record: AugmentationRecord, outputGiven: String, sourceGiven: String, seed: UInt64,
                            inputLine: Data?) -> Data {
        // Without an input line the keys are known: written directly, the same bytes as
        // JSONSerialization's (whose sorted keys cost a locale-aware comparison per pair, about
        // 0.3 ms a line: a serial tail of 0.3 s on 1,000 files).
        if inputLine == nil, let text = LineWriter.line(record: record, outputGiven: outputGiven, sourceGiven: sourceGiven, seed: seed) {
            return Data(text.utf8)
        }
        return serializedLine(record: record, outputGiven: outputGiven, sourceGiven: sourceGiven, seed: seed, inputLine: inputLine)
    }

    /// ``line(record:outputGiven:sourceGiven:seed:inputLine:)`` through JSONSerialization (any input line).
    static func serializedLine(record: AugmentationRecord, outputGiven: String, sourceGiven: String, seed: UInt64,
                               inputLine: Data?) -> Data {
        var object: [String: Any] = [:]
        if let inputLine, let original = try? JSONSerialization.jsonObject(with: inputLine) as? [String: Any] { object = original }
        func value(_ x: Any?) -> Any { x ?? NSNull() }
        func decibels(_ gain: Double) -> Any { gain > 0 ? 20 * log10(gain) : NSNull() }
        let ir: Any = record.ir ?? record.syntheticIR.map {
            ["model": $0.model, "rt60": $0.rt60, "seed": $0.seed, "channels": $0.channels, "sample_rate": $0.sampleRate] as [String: Any]
        } ?? NSNull()
        let figures: [String: Any] = [
            "audio_filepath": outputGiven,
            "duration": Double(record.frames) / Double(max(1, record.sampleRate)),
            "sample_rate": record.sampleRate,
            "channels": record.channels,
            "source": sourceGiven,
            "ir": ir,
            "ir_channel": value(record.irChannel),
            "rt60": value(record.rt60),
            "drr_db": value(record.drrDB),
            "wet_db": decibels(record.wet),
            "dry_db": decibels(record.dry),
            "snr_db": value(record.snrDB),
            "noise": value(record.noise),
            "noise_offset": value(record.noiseOffset),
            "target_filepath": value(record.targetPath),
            "gain_db": value(record.gainDB),
            "seed": seed,
        ]
        object.merge(figures) { $1 }
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
    }

    /// The lines of an existing manifest by `audio_filepath` (for a resumed batch); empty when there is none.
    public static func existingLines(_ path: String) -> [String: Data] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [:] }
        var found: [String: Data] = [:]
        for line in text.split(separator: "\n") {
            let data = Data(line.utf8)
            if let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let audio = object["audio_filepath"] as? String {
                found[audio] = data
            }
        }
        return found
    }
}

/// A manifest line written directly: JSONSerialization's output for the same object with
/// `.sortedKeys` and `.withoutEscapingSlashes`, byte for byte (its key order is taken from
/// JSONSerialization itself, once).
private enum LineWriter {
    /// A JSON value of a line.
    enum Value {
        case null, string(String), int(Int), unsigned(UInt64), double(Double)
        case object([(String, Value)])
    }

    /// The order JSONSerialization writes `keys` in (it sorts with a locale-aware comparison).
    static func order(of keys: [String]) -> [String] {
        let object = Dictionary(uniqueKeysWithValues: keys.map { ($0, NSNull() as Any) })
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]),
              let text = String(data: data, encoding: .utf8) else { return keys.sorted() }
        // `{"a":null,"b":null}`: the keys have no quotes or backslashes of their own.
        let found = text.dropFirst().dropLast().split(separator: ",").map { String($0.dropFirst().prefix { $0 != "\"" }) }
        return Set(found) == Set(keys) ? found : keys.sorted()
    }

    static let lineOrder = order(of: Manifest.keys)
    static let syntheticOrder = order(of: ["model", "rt60", "seed", "channels", "sample_rate"])

    /// Nil when a figure is not finite (JSONSerialization refuses it; the caller's path says how).
    static func line(record: AugmentationRecord, outputGiven: String, sourceGiven: String, seed: UInt64) -> String? {
        func optional(_ x: Double?) -> Value { x.map(Value.double) ?? .null }
        func decibels(_ gain: Double) -> Value { gain > 0 ? .double(20 * log10(gain)) : .null }
        let ir: Value = record.ir.map(Value.string) ?? record.syntheticIR.map { parameters in
            let values: [String: Value] = ["model": .string(parameters.model), "rt60": .double(parameters.rt60), "seed": .unsigned(parameters.seed),
                                           "channels": .int(parameters.channels), "sample_rate": .int(parameters.sampleRate)]
            return .object(syntheticOrder.map { ($0, values[$0]!) })
        } ?? .null
        let figures: [String: Value] = [
            "audio_filepath": .string(outputGiven),
            "duration": .double(Double(record.frames) / Double(max(1, record.sampleRate))),
            "sample_rate": .int(record.sampleRate),
            "channels": .int(record.channels),
            "source": .string(sourceGiven),
            "ir": ir,
            "ir_channel": record.irChannel.map(Value.int) ?? .null,
            "rt60": optional(record.rt60),
            "drr_db": optional(record.drrDB),
            "wet_db": decibels(record.wet),
            "dry_db": decibels(record.dry),
            "snr_db": optional(record.snrDB),
            "noise": record.noise.map(Value.string) ?? .null,
            "noise_offset": optional(record.noiseOffset),
            "target_filepath": record.targetPath.map(Value.string) ?? .null,
            "gain_db": optional(record.gainDB),
            "seed": .unsigned(seed),
        ]
        var text = ""
        text.reserveCapacity(512)
        return write(.object(lineOrder.map { ($0, figures[$0]!) }), into: &text) ? text : nil
    }

    /// Appends `value`; false for a number that is not finite.
    static func write(_ value: Value, into text: inout String) -> Bool {
        switch value {
        case .null: text += "null"
        case .string(let string): writeString(string, into: &text)
        case .int(let number): text += number.description
        case .unsigned(let number): text += number.description
        case .double(let number):
            guard number.isFinite else { return false }
            let description = number.description
            text += description.hasSuffix(".0") ? String(description.dropLast(2)) : description
        case .object(let members):
            text += "{"
            for (index, (key, member)) in members.enumerated() {
                if index > 0 { text += "," }
                writeString(key, into: &text)
                text += ":"
                guard write(member, into: &text) else { return false }
            }
            text += "}"
        }
        return true
    }

    /// A JSON string as JSONSerialization escapes it (slashes left alone).
    static func writeString(_ string: String, into text: inout String) {
        text += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\u{8}": text += "\\b"
            case "\u{c}": text += "\\f"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case "\u{0}"..."\u{f}": text += "\\u000" + String(scalar.value, radix: 16)
            case "\u{10}"..."\u{1f}": text += "\\u00" + String(scalar.value, radix: 16)
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }
}
