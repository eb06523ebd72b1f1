import ArgumentParser
import Foundation
import SFConv

struct Batch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Process a folder of audio files in parallel with a preset or chain, resumably and shardably.",
        discussion: """
            Each audio file under IN_DIR (the extensions libsndfile reads; --recursive to descend) is \
            written to the same relative path under OUT_DIR, in the same container and encoding unless \
            output options say otherwise. A bad file is reported and the rest go on; the exit status is \
            non-zero if any file failed. Outputs are written atomically, so a killed batch run again with \
            --skip-existing finishes the rest without redoing or corrupting anything.

            --shard i/n takes a fixed 1/n of the files (by a stable hash of the relative path), so n \
            workers split a corpus with no overlap and no gap; --shard auto reads Kubernetes Indexed Job \
            (JOB_COMPLETION_INDEX, with --shard-count) or Slurm array (SLURM_ARRAY_TASK_*) variables.

            Reverb augmentation: --impulse-dir DIR --random-impulse --seed S [--wet-range 0.1:0.5] gives \
            each file a reverb through an IR drawn from DIR, the same for the same seed and file on any \
            machine and shard; the report records each file's IR and wet gain.

            Examples:
              sfconv batch podcasts/ cleaned/ --preset telephone --recursive --report report.json
              sfconv batch corpus/ reverberant/ --impulse-dir irs/ --random-impulse --seed 7 --wet-range 0.1:0.5 --recursive
              sfconv batch corpus/ out/ --preset vocal-hall --recursive --shard auto --shard-count 16 --skip-existing
            """)

    @Argument(help: "The folder of input files.") var inputFolder: String
    @Argument(help: "The folder for the outputs (created as needed).") var outputFolder: String
    @OptionGroup var chainOptions: ChainOptionGroup

    @Flag(name: .shortAndLong, help: "Descend into subfolders.") var recursive = false
    @Option(help: ArgumentHelp("Only files matching this glob (relative path or name); repeatable.", valueName: "glob")) var include: [String] = []
    @Option(help: ArgumentHelp("Skip files matching this glob; repeatable.", valueName: "glob")) var exclude: [String] = []
    @Option(name: .shortAndLong, help: ArgumentHelp("Files processed at once (default: the number of cores).", valueName: "N"))
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount
    @Flag(help: "Skip files whose output exists (to resume a batch).") var skipExisting = false
    @Option(help: ArgumentHelp("Write a JSON report of every file.", valueName: "report.json")) var report: String?
    @Option(help: ArgumentHelp("Process shard i of n (0 ≤ i < n), or 'auto' from the scheduler's environment.", valueName: "i/n|auto"))
    var shard: String?
    @Option(help: ArgumentHelp("The number of shards for --shard auto under Kubernetes.", valueName: "n")) var shardCount: Int?
    @Option(help: ArgumentHelp("A folder of impulse responses for reverb augmentation.", valueName: "dir")) var impulseDir: String?
    @Flag(help: "Give each file a reverb through an impulse response drawn from --impulse-dir.") var randomImpulse = false
    @Option(help: "Seed for the impulse and wet-level draws.") var seed: UInt64 = 0
    @Option(help: ArgumentHelp("Range of the drawn wet gain, linear or in dB (-20dB:-6dB); default 0.1:0.5.", valueName: "low:high")) var wetRange: String?
    @Flag(help: "No TPDF dither on 16-bit and 8-bit output.") var noDither = false
    @OptionGroup var outputOptions: OutputOptionGroup
    @OptionGroup var normalization: NormalizeOptionGroup
    @OptionGroup var processing: ProcessingOptionGroup

    func validate() throws {
        guard jobs >= 1 && jobs <= 256 else { throw ValidationError("--jobs must be from 1 to 256, not \(jobs)") }
        if randomImpulse != (impulseDir != nil) { throw ValidationError("--random-impulse and --impulse-dir go together") }
        if !randomImpulse && chainOptions.preset == nil && chainOptions.chain == nil {
            throw ValidationError("give --preset, --chain, or --impulse-dir with --random-impulse")
        }
        if chainOptions.preset != nil && chainOptions.chain != nil { throw ValidationError("give one of --preset and --chain") }
        if wetRange != nil && !randomImpulse { throw ValidationError("--wet-range applies only with --random-impulse") }
        if shardCount != nil && shard != "auto" { throw ValidationError("--shard-count applies only with --shard auto") }
        if outputFolder.isEmpty { throw ValidationError("OUT_DIR is empty; name a folder") }
    }

    /// Refuses, before any work, an output folder that is the input folder or a file, and a report
    /// that would replace a file (unless --force, or --skip-existing resuming a batch).
    func checkDestinations() throws {
        let input = URL(fileURLWithPath: inputFolder).standardizedFileURL.resolvingSymlinksInPath().path
        let output = URL(fileURLWithPath: outputFolder).standardizedFileURL.resolvingSymlinksInPath().path
        if input == output { throw SFConvError("OUT_DIR is IN_DIR: the outputs would replace the inputs; choose another folder", path: outputFolder) }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: outputFolder, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw SFConvError("OUT_DIR is a file, not a folder", path: outputFolder)
        }
        if let report {
            try SoundFileWriter.checkDestination(report, overwrite: outputOptions.force || skipExisting)
        }
    }

    func run() throws {
        var chain = try chainOptions.load()
        if let last = normalization.effect {
            chain = try (chain ?? EffectChain(name: "batch", entries: [], fileSearchFolders: [])).ending(with: last)
        }
        try PartitionPlan.checkBlockSize(processing.blockSize)
        try checkDestinations()
        // A format from the command line or the preset gives every output that container's extension.
        var (jobs, nonAudio) = try BatchPlan.discover(inputFolder: inputFolder, outputFolder: outputFolder, recursive: recursive,
                                                      include: include, exclude: exclude,
                                                      container: outputOptions.container ?? chain?.outputContainer)
        if let shard {
            let selected = shard == "auto"
                ? try Shard(environment: ProcessInfo.processInfo.environment, shardCount: shardCount)
                : try Shard(parsing: shard)
            jobs = jobs.filter { selected.contains($0.relativePath) }
            if !processing.quiet { StandardError.writeLine(label: .note, "shard \(selected): \(jobs.count) file(s)") }
        }
        var request = BatchRequest(jobs: jobs)
        request.chain = chain
        if let impulseDir {
            request.augmentation = try ReverbAugmentation(impulseFolder: impulseDir, seed: seed, wetRange: try ReverbAugmentation.parseRange(wetRange ?? "0.1:0.5"))
        }
        request.output = outputOptions.options
        request.dither = !noDither
        request.skipExisting = skipExisting
        request.parallelJobs = self.jobs
        request.planning = processing.fftPlanning
        request.blockSize = processing.blockSize
        request.memoryBudget = processing.maxMemory

        let quiet = processing.quiet
        let bar = processing.progressBar(label: "batch", total: jobs.count)
        let terminal = !quiet && StandardError.isTerminal
        let started = Date()
        let hours = LockedTotal()
        let total = jobs.count
        var reports = BatchRunner(request).run { report, done in
            if report.status == .ok { hours.add(report.durationIn ?? 0) }
            if terminal {
                let elapsed = Date().timeIntervalSince(started)
                let eta = done > 0 ? elapsed / Double(done) * Double(total - done) : 0
                bar.update(done, detail: "\(done)/\(total) files, " + String(format: "%.2f", hours.value / 3600) + " h of audio, ETA " + Self.clock(eta))
            } else if !quiet || report.status == .failed {
                StandardError.writeLine(Self.line(report))
            }
        }
        bar.finish()
        for name in BatchPlan.namesNotUTF8(inputFolder: inputFolder, recursive: recursive) where isSelected(name) {
            let failure = FileReport.failure(input: name, error: "file name is not valid UTF-8; sfconv reads file names in UTF-8 only (rename it) (\(name))")
            StandardError.writeLine(Self.line(failure))
            reports.append(failure)
        }
        if let path = report {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let document = BatchReportDocument(files: reports, nonAudio: nonAudio)
            try TemporaryFiles.writeAtomically(try encoder.encode(document) + Data("\n".utf8), to: path, overwrite: true)
        }
        let summary = BatchSummary(reports: reports, nonAudio: nonAudio.count)
        if terminal {
            for failure in reports where failure.status == .failed { StandardError.writeLine(Self.line(failure)) }
        }
        StandardError.writeLine(Self.table(summary, wall: Date().timeIntervalSince(started)))
        if summary.failed > 0 { throw ExitCode(1) }
    }

    /// Whether a relative path passes --include, --exclude and --shard (as BatchPlan and Shard decide for audio files).
    func isSelected(_ relativePath: String) -> Bool {
        guard BatchPlan.passesGlobs(relativePath, include: include, exclude: exclude) else { return false }
        guard let shard else { return true }
        let selected = shard == "auto" ? try? Shard(environment: ProcessInfo.processInfo.environment, shardCount: shardCount) : try? Shard(parsing: shard)
        return selected?.contains(relativePath) ?? true
    }

    static func line(_ report: FileReport) -> String {
        switch report.status {
        case .ok:
            let augmentation = report.impulse.map { ", IR \(URL(fileURLWithPath: $0).lastPathComponent) wet " + String(format: "%.3f", report.wet ?? 0) } ?? ""
            return "ok: \(report.input) -> \(report.output) ("
                + String(format: "%.2f s of audio in %.2f s", report.durationIn ?? 0, report.wallSeconds) + augmentation + ")"
        case .skipped: return "skipped (output exists): \(report.output)"
        case .failed: return "failed: \(report.error ?? "unknown error")"
        }
    }

    static func table(_ summary: BatchSummary, wall: Double) -> String {
        """
        files      ok \(summary.succeeded)   failed \(summary.failed)   skipped \(summary.skipped)   not audio \(summary.nonAudio)
        audio      \(String(format: "%.3f", summary.hoursIn)) h in, \(String(format: "%.3f", summary.hoursOut)) h out, \(summary.clippedFiles) file(s) clipped
        wall time  \(String(format: "%.1f", wall)) s
        """
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
    }
}

/// The `--report` file.
struct BatchReportDocument: Encodable {
    var files: [FileReport]
    var nonAudio: [String]
}

final class LockedTotal: @unchecked Sendable {
    private let lock = NSLock()
    private var total = 0.0
    func add(_ value: Double) { lock.lock(); total += value; lock.unlock() }
    var value: Double { lock.lock(); defer { lock.unlock() }; return total }
}
