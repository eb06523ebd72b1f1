import CSFConvKernels
import Foundation

/// What happened to one file of a batch (a row of `--report`).
public struct FileReport: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable { case ok, failed, skipped }

    public var input: String
    public var output: String
    public var status: Status
    public var error: String?
    /// Seconds of audio in and out.
    public var durationIn: Double?
    public var durationOut: Double?
    public var peakDBFS: Double?
    public var clippedSamples: Int?
    public var wallSeconds: Double
    /// Reverb augmentation: the impulse response and wet gain drawn for this file.
    public var impulse: String?
    public var wet: Double?
    /// Everything augmentation drew and applied (IR channel, gains, DRR, noise, target).
    public var augmentation: AugmentationRecord?
    /// Warnings about the input (a file shorter than its header says).
    public var warnings: [String]?

    /// A file that failed before it could be opened.
    public static func failure(input: String, error: String) -> FileReport {
        FileReport(input: input, output: "", status: .failed, error: error, wallSeconds: 0)
    }
}

/// A whole batch's settings.
public struct BatchRequest: Sendable {
    public var jobs: [BatchJob]
    /// The chain every file goes through; nil with augmentation alone.
    public var chain: EffectChain?
    public var augmentation: ReverbAugmentation?
    public var output = OutputOptions()
    public var dither = true
    public var skipExisting = false
    /// With augmentation and --skip-existing: relative paths whose record is already known (from
    /// the manifest being resumed); another skipped file's record is recomputed, nothing written.
    public var recordsKnown: Set<String>?
    /// Files processed at once.
    public var parallelJobs = ProcessInfo.processInfo.activeProcessorCount
    public var planning: FFTPlanning = .estimate
    /// Partition size for every convolution; nil chooses per kernel.
    public var blockSize: Int?
    /// The most memory kernels and buffers may take, in bytes (shared by the batch's files).
    public var memoryBudget = BindContext.defaultMemoryBudget

    public init(jobs: [BatchJob]) { self.jobs = jobs }
}

/// Runs a batch on `parallelJobs` worker threads. A failing file is reported and the others go on.
/// Chains are bound once per input format (rate and channels) and their kernels shared; each file
/// gets its own processors. An augmentation reverb, drawn per file, is bound per file (its impulse
/// files are read and resampled once). Outputs are written atomically, so a killed batch leaves no partial file.
public final class BatchRunner: @unchecked Sendable {
    public let request: BatchRequest
    private let lock = NSLock()
    private var next = 0
    /// The order the jobs are claimed in (indices into `request.jobs`).
    private let order: [Int]
    private var finishedCount = 0
    private var reports: [FileReport?]
    private var boundChains: [String: Result<BoundChain, FormatFailure>] = [:]
    private let bindLock = NSLock()
    /// Kernels and impulses, read and resampled once per rate for the whole batch.
    let files: ChainFiles
    /// Broadband T30 of each IR used, measured once.
    let t30Cache = LockedValue<[String: Double?]>([:])

    public init(_ request: BatchRequest) {
        self.request = request
        // Augmentation allocates and frees the same few megabytes for every file: keep them.
        if request.augmentation != nil { _ = sfconv_retain_freed_memory() }
        reports = [FileReport?](repeating: nil, count: request.jobs.count)
        order = Self.claimOrder(request)
        files = ChainFiles(folders: request.chain?.fileSearchFolders ?? [], memoryBudget: request.memoryBudget)
    }

    /// Processes every job; `finished` is called (serially) after each file.
    public func run(finished: @escaping @Sendable (FileReport, Int) -> Void) -> [FileReport] {
        let workers = max(1, min(request.parallelJobs, request.jobs.count))
        let group = DispatchGroup()
        for _ in 0..<workers {
            group.enter()
            let thread = Thread { [self] in
                defer { group.leave() }
                while let index = claim() {
                    let report = process(request.jobs[index])
                    lock.lock()
                    reports[index] = report
                    finishedCount += 1
                    finished(report, finishedCount)
                    lock.unlock()
                }
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        group.wait()
        // Augmentation commits its files without a sync each (an fsync per file cost more than the
        // work on short files): one sync here makes them durable before the manifest and report are written.
        if request.augmentation != nil { sync() }
        return reports.map { $0! }
    }

    private func claim() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard next < request.jobs.count else { return nil }
        next += 1
        return order[next - 1]
    }

    /// The jobs in their order, except that augmentation from an IR folder takes the files of one
    /// IR together (in their order), so that the spectra kept for the IR at hand stay few and
    /// warm. Reports, the manifest and every output are the same in any order.
    static func claimOrder(_ request: BatchRequest) -> [Int] {
        guard let augmentation = request.augmentation, case .folder = augmentation.source else { return Array(request.jobs.indices) }
        let impulses = request.jobs.map { augmentation.choice(for: $0.relativePath).impulse }
        return request.jobs.indices.sorted { (impulses[$0], $0) < (impulses[$1], $1) }
    }

    /// Diagnostics that keep a file's warnings for its report (notes are dropped in a batch).
    static func collectingWarnings() -> (Diagnostics, LockedValue<[String]>) {
        let warnings = LockedValue<[String]>([])
        let diagnostics = Diagnostics { level, message in
            if level == .warning { warnings.withLock { $0.append(message) } }
        }
        return (diagnostics, warnings)
    }

    private func process(_ job: BatchJob) -> FileReport {
        if let augmentation = request.augmentation { return processAugmented(job, augmentation) }
        let start = Date()
        var report = FileReport(input: job.inputPath, output: job.outputPath, status: .ok, wallSeconds: 0)
        if request.skipExisting && FileManager.default.fileExists(atPath: job.outputPath) {
            report.status = .skipped
            return report
        }
        let (diagnostics, warnings) = Self.collectingWarnings()
        do {
            let reader = try SoundFileReader(path: job.inputPath)
            report.durationIn = reader.declaredDuration
            let format = try outputFormat(job, reader: reader)
            let chain = try bound(reader, for: format)
            try FileManager.default.createDirectory(atPath: URL(fileURLWithPath: job.outputPath).deletingLastPathComponent().path,
                                                    withIntermediateDirectories: true)
            let output = RenderOutput(path: job.outputPath, format: format, overwrite: request.output.overwrite, dither: request.dither)
            let summary = try Render.file(source: reader, chain: chain, output: output, label: "", diagnostics: diagnostics, progress: { _, _ in nil })
            report.durationIn = Double(summary.inputFrames) / Double(summary.sampleRate)
            report.durationOut = Double(summary.outputFrames) / Double(summary.sampleRate)
            report.peakDBFS = summary.peak > 0 ? 20 * log10(Double(summary.peak)) : nil
            report.clippedSamples = summary.clippedSampleCount
        } catch {
            // Another run resuming the same batch wrote this output first: resumed, not failed.
            let written = request.skipExisting && FileManager.default.fileExists(atPath: job.outputPath)
            report.status = written ? .skipped : .failed
            report.error = written ? nil : SFConvErrors.list(error).map(\.description).joined(separator: "; ")
        }
        report.warnings = warnings.withLock { $0.isEmpty ? nil : $0 }
        report.wallSeconds = Date().timeIntervalSince(start)
        return report
    }

    /// The format `job`'s output is written in.
    func outputFormat(_ job: BatchJob, reader: SoundFileReader) throws -> SoundFormat {
        try request.output.format(for: job.outputPath, preset: request.chain?.outputPreferences ?? (nil, nil), input: reader.format)
    }

    func bindContext(_ reader: SoundFileReader, precision: Precision, diagnostics: Diagnostics) -> BindContext {
        var context = BindContext(channelCount: reader.channelCount, sampleRate: reader.sampleRate, inputPath: reader.path, files: files)
        context.planning = request.planning
        context.precision = precision
        context.blockSize = request.blockSize
        context.memoryBudget = request.memoryBudget
        context.concurrentProcessors = max(1, min(request.parallelJobs, request.jobs.count))
        context.diagnostics = diagnostics
        return context
    }

    /// The chain bound for one input format and the precision its output asks, bound once and
    /// shared by every file of that format. A failure to bind is that format's, reported for each
    /// of its files without naming another.
    func bound(_ reader: SoundFileReader, for output: SoundFormat) throws -> BoundChain {
        guard let chain = request.chain else { return .identity(channelCount: reader.channelCount) }
        let precision = request.output.precision(for: output, preset: chain.outputPrecision)
        bindLock.lock()
        defer { bindLock.unlock() }
        let key = "\(reader.sampleRate)/\(reader.channelCount)/\(precision.rawValue)"
        if boundChains[key] == nil {
            do {
                boundChains[key] = .success(try chain.bind(bindContext(reader, precision: precision, diagnostics: .silent)))
            } catch {
                boundChains[key] = .failure(FormatFailure(errors: SFConvErrors.list(error).map { SFConvError($0.message) }))
            }
        }
        switch boundChains[key]! {
        case .success(let bound): return bound
        case .failure(let failure): throw SFConvErrors(failure.errors.map { SFConvError($0.message, path: reader.path) })
        }
    }
}

/// Why a chain could not be bound to an input format (its errors, without a file's path).
private struct FormatFailure: Error {
    var errors: [SFConvError]
}

/// Totals of a batch, for the summary on stderr.
public struct BatchSummary: Sendable {
    public var succeeded = 0, failed = 0, skipped = 0, nonAudio = 0
    public var hoursIn = 0.0, hoursOut = 0.0
    public var clippedFiles = 0

    public init(reports: [FileReport], nonAudio: Int) {
        self.nonAudio = nonAudio
        for report in reports {
            switch report.status {
            case .ok: succeeded += 1
            case .failed: failed += 1
            case .skipped: skipped += 1
            }
            // Only what was read: a failed file's duration is its header's claim, which may lie.
            guard report.status == .ok else { continue }
            hoursIn += (report.durationIn ?? 0) / 3600
            hoursOut += (report.durationOut ?? 0) / 3600
            if (report.clippedSamples ?? 0) > 0 { clippedFiles += 1 }
        }
    }
}
