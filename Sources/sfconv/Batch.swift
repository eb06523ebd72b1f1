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

            Reverb augmentation: --impulse-dir DIR --random-impulse --seed S [--wet-range 0.1:0.5] (or \
            --synthetic-ir --rt60-range A:B) gives each file dry·x + wet·(x ∗ h) through an IR drawn from DIR, \
            aligned to the IR's direct sound and as long as the input (--align, --length), mono staying mono \
            (--channels); --dry-range, --drr-range, --rt60-range, --noise-dir with --snr-range, --target-dir \
            with --target early|dry, --peak-limit and --manifest (--input-manifest to read a corpus's) make \
            a training set. Every choice is drawn from its own stream of the seed and the file's relative \
            path: the same on any machine, shard and --jobs; the report and manifest record each.

            Examples:
              sfconv batch podcasts/ cleaned/ --preset telephone --recursive --report report.json
              sfconv batch corpus/ reverberant/ --impulse-dir irs/ --random-impulse --seed 7 --wet-range 0.1:0.5 --recursive
              sfconv batch speech/ rev/ -r --impulse-dir irs/ --random-impulse --seed 7 --target-dir early/ --target early --manifest m.jsonl
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
    @Flag(help: "Synthesise one impulse response per file (the `generate ir` room model) instead of --impulse-dir; RT60 from --rt60-range.")
    var syntheticIr = false
    @Option(help: ArgumentHelp("Augmentation output channels: keep (a mono input stays mono), mono or stereo.", valueName: "keep|mono|stereo"))
    var channels: AugmentChannels?
    @Option(help: ArgumentHelp("Advance the output by the IR's direct sound (direct, the default) or not (none).", valueName: "direct|none"))
    var align: AugmentAlignment?
    @Option(help: ArgumentHelp("Keep the input's frame count (input, the default) or the whole tail (full).", valueName: "input|full"))
    var length: AugmentLength?
    @Option(help: ArgumentHelp("Range of the drawn dry gain, linear or dB; default: dry 1.", valueName: "low:high")) var dryRange: String?
    @Option(help: ArgumentHelp("Range of the drawn direct-to-reverberant ratio, dB: the IR's reverberant part is rescaled to it.", valueName: "low:high"))
    var drrRange: String?
    @Option(help: ArgumentHelp("Seconds: draw only IRs whose broadband T30 lies in the range; with --synthetic-ir, the drawn RT60.", valueName: "low:high"))
    var rt60Range: String?
    @Option(help: ArgumentHelp("A folder of noise files; one is drawn per file and added at a drawn SNR.", valueName: "dir")) var noiseDir: String?
    @Option(help: ArgumentHelp("Range of the drawn SNR, dB (with --noise-dir).", valueName: "low:high")) var snrRange: String?
    @Option(help: ArgumentHelp("The signal the SNR is measured against: reverberant (default) or early.", valueName: "reverberant|early"))
    var snrRef: NoiseReference?
    @Option(help: ArgumentHelp("Also write each file's training target here, at the same relative path.", valueName: "dir")) var targetDir: String?
    @Option(help: ArgumentHelp("The target: early (x ∗ the IR up to its direct sound + --early-ms) or dry (the input, aligned).", valueName: "early|dry"))
    var target: TrainingTarget?
    @Option(help: ArgumentHelp("The early part's length after the direct sound, ms (default 50).", valueName: "ms")) var earlyMs: Double?
    @Option(help: ArgumentHelp("Scale output and target together so neither peaks above this (for example -1dB).", valueName: "dB"))
    var peakLimit: String?
    @Option(help: ArgumentHelp("Write a JSON-lines manifest: one object per written file.", valueName: "file.jsonl")) var manifest: String?
    @Option(help: ArgumentHelp("Process the files listed (audio_filepath, relative to IN_DIR) instead of the folder; other keys are copied to --manifest.",
                               valueName: "file.jsonl"))
    var inputManifest: String?
    @Flag(help: "No TPDF dither on 16-bit and 8-bit output.") var noDither = false
    @OptionGroup var outputOptions: OutputOptionGroup
    @OptionGroup var normalization: NormalizeOptionGroup
    @OptionGroup var processing: ProcessingOptionGroup

    func validate() throws {
        guard jobs >= 1 && jobs <= 256 else { throw ValidationError("--jobs must be from 1 to 256, not \(jobs)") }
        if randomImpulse != (impulseDir != nil) { throw ValidationError("--random-impulse and --impulse-dir go together") }
        if randomImpulse && syntheticIr { throw ValidationError("give one of --impulse-dir and --synthetic-ir") }
        let augmenting = randomImpulse || syntheticIr
        if !augmenting && chainOptions.preset == nil && chainOptions.chain == nil {
            throw ValidationError("give --preset, --chain, --impulse-dir with --random-impulse, or --synthetic-ir")
        }
        if chainOptions.preset != nil && chainOptions.chain != nil { throw ValidationError("give one of --preset and --chain") }
        if wetRange != nil && !augmenting { throw ValidationError("--wet-range applies only with --random-impulse") }
        let augmentationOptions: [(String, Bool)] = [
            ("--channels", channels != nil), ("--align", align != nil), ("--length", length != nil), ("--dry-range", dryRange != nil),
            ("--drr-range", drrRange != nil), ("--rt60-range", rt60Range != nil), ("--noise-dir", noiseDir != nil), ("--snr-range", snrRange != nil),
            ("--snr-ref", snrRef != nil), ("--target-dir", targetDir != nil), ("--target", target != nil), ("--early-ms", earlyMs != nil),
            ("--peak-limit", peakLimit != nil), ("--manifest", manifest != nil), ("--input-manifest", inputManifest != nil),
        ]
        if !augmenting, let (name, _) = augmentationOptions.first(where: \.1) {
            throw ValidationError("\(name) applies only to reverb augmentation (--impulse-dir with --random-impulse, or --synthetic-ir)")
        }
        if syntheticIr && rt60Range == nil { throw ValidationError("--synthetic-ir needs --rt60-range (the RT60s to draw, seconds)") }
        if (noiseDir == nil) != (snrRange == nil) { throw ValidationError("--noise-dir and --snr-range go together") }
        if snrRef != nil && noiseDir == nil { throw ValidationError("--snr-ref applies only with --noise-dir") }
        if (targetDir == nil) != (target == nil) { throw ValidationError("--target-dir and --target go together") }
        if earlyMs != nil && target != .early { throw ValidationError("--early-ms applies only with --target early") }
        if let earlyMs, !(earlyMs >= 0 && earlyMs <= 10_000) { throw ValidationError("--early-ms must be from 0 to 10000, not \(Numbers.format(earlyMs))") }
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
        if let manifest {
            let folder = URL(fileURLWithPath: manifest).deletingLastPathComponent().path
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try SoundFileWriter.checkDestination(manifest, overwrite: outputOptions.force || skipExisting)
        }
        if let targetDir {
            let target = URL(fileURLWithPath: targetDir).standardizedFileURL.resolvingSymlinksInPath().path
            if target == output || target == input {
                throw SFConvError("--target-dir is \(target == output ? "OUT_DIR" : "IN_DIR"): choose a folder of its own", path: targetDir)
            }
        }
    }

    func run() throws {
        var chain = try chainOptions.load()
        if let last = normalization.effect {
            chain = try (chain ?? EffectChain(name: "batch", entries: [], fileSearchFolders: [])).ending(with: last)
        }
        // Augmentation runs each file in memory and applies a final peak normalisation itself; a
        // loudness pass is not implemented there.
        if randomImpulse || syntheticIr, chain?.entries.last?.spec.kindName == "loudness" {
            throw SFConvError("loudness normalisation (--normalize-loudness or a final loudness effect) is not available with reverb augmentation; "
                + "use --normalize (peak) or --peak-limit")
        }
        try PartitionPlan.checkBlockSize(processing.blockSize)
        try checkDestinations()
        // A format from the command line or the preset gives every output that container's extension.
        let container = outputOptions.container ?? chain?.outputContainer
        var jobs: [BatchJob], nonAudio: [String] = []
        var inputLines: [String: Data] = [:]
        if let inputManifest {
            (jobs, inputLines) = try Manifest.jobs(inputManifest: inputManifest, inputFolder: inputFolder, outputFolder: outputFolder, container: container)
            jobs = jobs.filter { BatchPlan.passesGlobs($0.relativePath, include: include, exclude: exclude) }
        } else {
            (jobs, nonAudio) = try BatchPlan.discover(inputFolder: inputFolder, outputFolder: outputFolder, recursive: recursive,
                                                      include: include, exclude: exclude, container: container)
        }
        let augmentation = try makeAugmentation()
        if let shard {
            let selected = shard == "auto"
                ? try Shard(environment: ProcessInfo.processInfo.environment, shardCount: shardCount)
                : try Shard(parsing: shard)
            jobs = jobs.filter { selected.contains($0.relativePath) }
            if !processing.quiet { StandardError.writeLine(label: .note, "shard \(selected): \(jobs.count) file(s)") }
        }
        var request = BatchRequest(jobs: jobs)
        request.chain = chain
        request.augmentation = augmentation
        var previousLines: [String: Data] = [:]
        if let manifest, skipExisting {
            previousLines = Manifest.existingLines(manifest)
            request.recordsKnown = Set(jobs.filter { previousLines[givenOutput($0)] != nil }.map(\.relativePath))
        }
        request.output = outputOptions.options
        request.dither = !noDither
        request.skipExisting = skipExisting
        request.parallelJobs = self.jobs
        request.planning = processing.fftPlanning
        request.output.precision = processing.precision
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
        for name in inputManifest == nil ? BatchPlan.namesNotUTF8(inputFolder: inputFolder, recursive: recursive) : [] where isSelected(name) {
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
        if let manifest {
            var body = Data()
            for (job, fileReport) in zip(jobs, reports) {
                let line: Data
                if let record = fileReport.augmentation {
                    line = Manifest.line(record: record, outputGiven: givenOutput(job), sourceGiven: givenSource(job, lines: inputLines), seed: seed,
                                         inputLine: inputLines[job.relativePath])
                } else if fileReport.status == .skipped, let previous = previousLines[givenOutput(job)] {
                    line = previous
                } else {
                    continue
                }
                body += line + Data("\n".utf8)
            }
            try TemporaryFiles.writeAtomically(body, to: manifest, overwrite: true)
        }
        let summary = BatchSummary(reports: reports, nonAudio: nonAudio.count)
        if terminal {
            for failure in reports where failure.status == .failed { StandardError.writeLine(Self.line(failure)) }
        }
        StandardError.writeLine(Self.table(summary, wall: Date().timeIntervalSince(started)))
        if summary.failed > 0 { throw ExitCode(1) }
    }

    /// The reverb augmentation the options ask for, or nil.
    func makeAugmentation() throws -> ReverbAugmentation? {
        guard randomImpulse || syntheticIr else { return nil }
        let wet = try ReverbAugmentation.parseGainRange(wetRange ?? "0.1:0.5", option: "--wet-range")
        let rt60 = try rt60Range.map { try ReverbAugmentation.parseNumberRange($0, option: "--rt60-range", unit: "s", limits: 0...60) }
        var augmentation: ReverbAugmentation
        if let impulseDir {
            augmentation = try ReverbAugmentation(impulseFolder: impulseDir, impulseFolderGiven: impulseDir, seed: seed, wetRange: wet, rt60Range: rt60)
        } else {
            augmentation = try ReverbAugmentation(syntheticRT60Range: rt60!, seed: seed, wetRange: wet)
        }
        augmentation.dryRange = try dryRange.map { try ReverbAugmentation.parseGainRange($0, option: "--dry-range") }
        augmentation.drrRange = try drrRange.map { try ReverbAugmentation.parseNumberRange($0, option: "--drr-range", unit: "dB", limits: -60...60) }
        augmentation.channels = channels ?? .keep
        augmentation.alignment = align ?? .direct
        augmentation.length = length ?? .input
        if let noiseDir, let snrRange {
            let snr = try ReverbAugmentation.parseNumberRange(snrRange, option: "--snr-range", unit: "dB", limits: -60...120)
            let found = try BatchPlan.discover(inputFolder: noiseDir, outputFolder: "/nonexistent", recursive: true, include: [], exclude: [], container: nil).jobs
            guard !found.isEmpty else { throw SFConvError("--noise-dir: no audio files in the folder", path: noiseDir) }
            // Every noise file must open: a bad one is found before any work.
            for file in found {
                do { _ = try SoundFileReader(path: file.inputPath) } catch let error as SFConvError {
                    throw SFConvError("--noise-dir: cannot read a noise file: \(error.message)", path: file.inputPath)
                }
            }
            let base = noiseDir.hasSuffix("/") ? noiseDir : noiseDir + "/"
            augmentation.noise = NoiseAugmentation(files: found.map { AugmentationFile(path: $0.inputPath, given: base + $0.relativePath) },
                                                   snrRange: snr, reference: snrRef ?? .reverberant)
        }
        if let targetDir, let target {
            augmentation.target = TargetSettings(folder: URL(fileURLWithPath: targetDir).standardizedFileURL.path, given: targetDir, kind: target,
                                                 earlyMilliseconds: earlyMs ?? 50)
        }
        if let peakLimit {
            var text = peakLimit.trimmingCharacters(in: .whitespaces)
            if text.lowercased().hasSuffix("db") { text = String(text.dropLast(2)).trimmingCharacters(in: .whitespaces) }
            guard let value = Numbers.parse(text), value.isFinite, value <= 0, value >= -60 else {
                throw SFConvError("--peak-limit: expected a level in dBFS from -60dB to 0dB (for example -1dB), found \"\(peakLimit)\"")
            }
            augmentation.peakLimitDB = value
        }
        return augmentation
    }

    /// A job's output path as the command line gave OUT_DIR (relative stays relative).
    func givenOutput(_ job: BatchJob) -> String {
        (outputFolder.hasSuffix("/") ? outputFolder : outputFolder + "/") + job.outputRelativePath
    }

    /// A job's input as given: the input manifest's `audio_filepath`, or IN_DIR as given with the relative path.
    func givenSource(_ job: BatchJob, lines: [String: Data]) -> String {
        if let line = lines[job.relativePath], let object = try? JSONSerialization.jsonObject(with: line) as? [String: Any],
           let audio = object["audio_filepath"] as? String {
            return audio
        }
        return (inputFolder.hasSuffix("/") ? inputFolder : inputFolder + "/") + job.relativePath
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

extension AugmentChannels: ExpressibleByArgument {}
extension AugmentAlignment: ExpressibleByArgument {}
extension AugmentLength: ExpressibleByArgument {}
extension NoiseReference: ExpressibleByArgument {}
extension TrainingTarget: ExpressibleByArgument {}
