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
