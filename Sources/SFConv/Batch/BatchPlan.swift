import Foundation

/// One file of a batch.
public struct BatchJob: Sendable, Equatable {
    /// Relative to the input folder, with `/` separators: what sharding and augmentation hash.
    public var relativePath: String
    public var inputPath: String
    public var outputPath: String
    /// The output's path relative to the output folder (the relative path, its extension changed
    /// by an output container).
    public var outputRelativePath: String

    public init(relativePath: String, inputPath: String, outputPath: String, outputRelativePath: String? = nil) {
        self.relativePath = relativePath
        self.inputPath = inputPath
        self.outputPath = outputPath
        self.outputRelativePath = outputRelativePath ?? relativePath
    }
}

/// Which of n workers takes a file: a stable 64-bit FNV-1a hash of its relative path, modulo n.
/// The same on every machine, so n workers split a corpus with no overlap and no gap.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    public init(index: Int, count: Int) throws {
        guard count >= 1, (0..<count).contains(index) else {
            throw SFConvError("--shard needs 0 ≤ i < n, not \(index)/\(count)")
        }
        self.index = index
        self.count = count
    }

    /// Parses `i/n`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let index = parts[0], let count = parts[1] else {
            throw SFConvError("--shard takes i/n (for example 0/4) or auto, not '\(text)'")
        }
        try self.init(index: index, count: count)
    }

    /// From a cluster scheduler's environment: Kubernetes Indexed Jobs (`JOB_COMPLETION_INDEX`, the
    /// count from `shardCount`) or Slurm array jobs (`SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN` of
    /// `SLURM_ARRAY_TASK_COUNT`).
    public init(environment: [String: String], shardCount: Int?) throws {
        if let index = environment["JOB_COMPLETION_INDEX"] {
            guard let index = Int(index) else { throw SFConvError("JOB_COMPLETION_INDEX is not a number: '\(index)'") }
            guard let shardCount else { throw SFConvError("--shard auto under a Kubernetes Indexed Job needs --shard-count N (the Job's completions)") }
            try self.init(index: index, count: shardCount)
        } else if let id = environment["SLURM_ARRAY_TASK_ID"] {
            guard let id = Int(id), let minimum = Int(environment["SLURM_ARRAY_TASK_MIN"] ?? "0"),
                  let count = Int(environment["SLURM_ARRAY_TASK_COUNT"] ?? "") ?? shardCount else {
                throw SFConvError("--shard auto under Slurm needs numeric SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_MIN and SLURM_ARRAY_TASK_COUNT")
            }
            if let shardCount, shardCount != count {
                throw SFConvError("--shard-count \(shardCount) disagrees with SLURM_ARRAY_TASK_COUNT \(count)")
            }
            let (index, overflow) = id.subtractingReportingOverflow(minimum)
            guard !overflow else { throw SFConvError("SLURM_ARRAY_TASK_ID \(id) − SLURM_ARRAY_TASK_MIN \(minimum) is out of range") }
            try self.init(index: index, count: count)
        } else {
            throw SFConvError("--shard auto found neither JOB_COMPLETION_INDEX (Kubernetes) nor SLURM_ARRAY_TASK_ID (Slurm) in the environment")
        }
    }

    public func contains(_ relativePath: String) -> Bool {
        Int(stableHash(relativePath) % UInt64(count)) == index
    }

    public var description: String { "\(index)/\(count)" }
}

/// 64-bit FNV-1a over UTF-8: stable across machines, runs and Swift versions (unlike `Hasher`).
func stableHash(_ text: String, seed: UInt64 = 0) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325 ^ seed
    for byte in text.utf8 {
        hash ^= UInt64(byte)
        hash = hash &* 0x0000_0100_0000_01B3
    }
    // A final mix so that nearby seeds and paths spread over the whole range.
    hash ^= hash >> 33
    hash = hash &* 0xFF51_AFD7_ED55_8CCD
    hash ^= hash >> 33
    return hash
}

/// Finding a batch's files.
public enum BatchPlan {
    /// Extensions of the formats libsndfile reads here.
    public static let audioExtensions: Set<String> = ["wav", "wave", "flac", "aif", "aiff", "aifc", "caf", "w64", "rf64", "au", "snd", "ogg", "oga", "opus", "mp3"]

    /// The audio files under `inputFolder` (recursively if asked) that pass the globs, each mapped to
    /// the same relative path under `outputFolder` (extension changed when `container` is given),
    /// sorted by relative path; and the relative paths of the other files, skipped.
    ///
    /// Globs (`fnmatch`) are matched against the relative path and the file name.
    public static func discover(inputFolder: String, outputFolder: String, recursive: Bool, include: [String], exclude: [String],
                                container: Container?) throws -> (jobs: [BatchJob], skipped: [String]) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: inputFolder, isDirectory: &isDirectory) else {
            throw SFConvError("no such folder", path: inputFolder)
        }
        guard isDirectory.boolValue else { throw SFConvError("not a folder", path: inputFolder) }
        let root = URL(fileURLWithPath: inputFolder).standardizedFileURL.path
        let outputRoot = URL(fileURLWithPath: outputFolder).standardizedFileURL.path
        var relativePaths: [String] = []
        if recursive {
            guard let walker = FileManager.default.enumerator(atPath: root) else { throw SFConvError("cannot list the folder", path: inputFolder) }
            while let item = walker.nextObject() as? String {
                let full = root + "/" + item
                // Never descend into the output folder when it lies inside the input.
                if full == outputRoot || full.hasPrefix(outputRoot + "/") { walker.skipDescendants(); continue }
                if isRegularFile(full) { relativePaths.append(item) }
            }
        } else {
            relativePaths = try FileManager.default.contentsOfDirectory(atPath: root).filter { isRegularFile(root + "/" + $0) }
        }
        var jobs: [BatchJob] = [], skipped: [String] = []
        for relative in relativePaths.sorted() {
            let name = URL(fileURLWithPath: relative).lastPathComponent
            if name.hasPrefix(".") { continue }  // hidden files, our own temporary files among them
            let ext = URL(fileURLWithPath: relative).pathExtension.lowercased()
            guard passesGlobs(relative, include: include, exclude: exclude) else { continue }
            guard audioExtensions.contains(ext) else {
                skipped.append(relative)
                continue
            }
            var outputRelative = relative
            if let container {
                outputRelative = (relative as NSString).deletingPathExtension + "." + container.rawValue
            }
            jobs.append(BatchJob(relativePath: relative, inputPath: root + "/" + relative, outputPath: outputRoot + "/" + outputRelative,
                                 outputRelativePath: outputRelative))
        }
        // Two inputs (x.wav, x.flac) that one output container maps to the same file.
        let byOutput = Dictionary(grouping: jobs, by: \.outputPath).filter { $0.value.count > 1 }
        if let (output, clash) = byOutput.min(by: { $0.key < $1.key }) {
            throw SFConvError("\(clash.map(\.relativePath).joined(separator: " and ")) would both be written to \(output); "
                + "keep their containers or exclude one (\(byOutput.count) such clash\(byOutput.count == 1 ? "" : "es"))", path: inputFolder)
        }
        return (jobs, skipped)
    }

    /// Whether `relativePath` passes the globs (`fnmatch`, against the relative path or the name).
    public static func passesGlobs(_ relativePath: String, include: [String], exclude: [String]) -> Bool {
        let name = URL(fileURLWithPath: relativePath).lastPathComponent
        let matches = { (pattern: String) in fnmatch(pattern, relativePath, 0) == 0 || fnmatch(pattern, name, 0) == 0 }
        return (include.isEmpty || include.contains(where: matches)) && !exclude.contains(where: matches)
    }

    /// Entries under `inputFolder` whose names are not valid UTF-8 (which Foundation's listing drops
    /// silently), as relative paths with the bad bytes escaped: a batch reports each as a failure.
    public static func namesNotUTF8(inputFolder: String, recursive: Bool) -> [String] {
        var found: [String] = []
        func scan(_ folder: String, relative: String) {
            guard let directory = opendir(folder) else { return }
            defer { closedir(directory) }
            while let entry = readdir(directory) {
                let bytes = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
                guard let name = String(validating: bytes, as: UTF8.self) else {
                    found.append(relative + bytes.map { $0 < 0x80 && $0 >= 0x20 ? String(UnicodeScalar($0)) : String(format: "\\x%02x", $0) }.joined())
                    continue
                }
                if recursive, name != ".", name != "..", Int32(entry.pointee.d_type) == Int32(DT_DIR) {
                    scan(folder + "/" + name, relative: relative + name + "/")
                }
            }
        }
        scan(inputFolder, relative: "")
        return found.sorted()
    }

    private static func isRegularFile(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFREG
    }
}
