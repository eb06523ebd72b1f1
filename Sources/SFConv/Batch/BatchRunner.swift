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
    /// Warnings about the input (a file shorter than its header says).
    public var warnings: [String]?
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
    /// Files processed at once.
    public var parallelJobs = ProcessInfo.processInfo.activeProcessorCount
    public var planning: FFTPlanning = .estimate

    public init(jobs: [BatchJob]) { self.jobs = jobs }
}

/// Runs a batch on `parallelJobs` worker threads. A failing file is reported and the others go on.
/// Chains are bound once per input format (rate and channels) and their kernels shared; each file
/// gets its own processors. Outputs are written atomically, so a killed batch leaves no partial file.
public final class BatchRunner: @unchecked Sendable {
    public let request: BatchRequest
    private let lock = NSLock()
    private var next = 0
    private var reports: [FileReport?]
    private var boundChains: [String: Result<[BoundEffect], SFConvError>] = [:]
    private var impulses: [String: Result<AudioBuffer, SFConvError>] = [:]
    private let bindLock = NSLock()

    public init(_ request: BatchRequest) {
        self.request = request
        reports = [FileReport?](repeating: nil, count: request.jobs.count)
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
                    let done = reports.count { $0 != nil }
                    finished(report, done)
                    lock.unlock()
                }
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        group.wait()
        return reports.map { $0! }
    }

    private func claim() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard next < request.jobs.count else { return nil }
        next += 1
        return next - 1
    }

    private func process(_ job: BatchJob) -> FileReport {
        let start = Date()
        var report = FileReport(input: job.inputPath, output: job.outputPath, status: .ok, wallSeconds: 0)
        if let augmentation = request.augmentation {
            let choice = augmentation.choice(for: job.relativePath)
            report.impulse = choice.impulse
            report.wet = choice.wet
        }
        if request.skipExisting && FileManager.default.fileExists(atPath: job.outputPath) {
            report.status = .skipped
            return report
        }
        let warnings = LockedValue<[String]>([])
        let diagnostics = Diagnostics { level, message in
            if level == .warning { warnings.withLock { $0.append(message) } }
        }
        do {
            let reader = try SoundFileReader(path: job.inputPath)
            report.durationIn = reader.declaredDuration
            var processors = try bound(rate: reader.sampleRate, channels: reader.channelCount, inputPath: job.inputPath)
                .compactMap { $0.makeProcessor?() }
            if let impulse = report.impulse, let wet = report.wet {
                var settings = ReverbSettings()
                settings.wet = Gain(linear: wet)
                let channels = processors.last?.outputChannelCount ?? reader.channelCount
                let ir = try loadImpulse(impulse, rate: reader.sampleRate)
                processors.append(try settings.template(ir: ir, inputChannels: channels, inputPath: job.inputPath, impulsePath: impulse,
                                                        planning: request.planning, diagnostics: .silent).makeProcessor())
            }
            let processor: AudioProcessor = processors.isEmpty ? GainProcessor(gain: 1, channelCount: reader.channelCount) : ChainProcessor(processors)
            try FileManager.default.createDirectory(atPath: URL(fileURLWithPath: job.outputPath).deletingLastPathComponent().path,
                                                    withIntermediateDirectories: true)
            var options = request.output
            if options.subtype == nil { options.subtype = request.chain?.outputSubtype }
            let summary = try Renderer.renderFile(reader: reader, processor: processor, outputPath: job.outputPath, options: options,
                                                  dither: request.dither, normalizeTo: request.chain?.normalizeLevel, label: "",
                                                  diagnostics: diagnostics, progress: { _, _ in nil })
            report.durationIn = Double(summary.inputFrames) / Double(summary.sampleRate)
            report.durationOut = Double(summary.outputFrames) / Double(summary.sampleRate)
            report.peakDBFS = summary.peak > 0 ? 20 * log10(Double(summary.peak)) : nil
            report.clippedSamples = summary.clippedSampleCount
        } catch {
            report.status = .failed
            report.error = (error as? SFConvError)?.description ?? "\(error)"
        }
        report.warnings = warnings.withLock { $0.isEmpty ? nil : $0 }
        report.wallSeconds = Date().timeIntervalSince(start)
        return report
    }

    /// The chain bound for one input format, bound once and shared by every file of that format.
    private func bound(rate: Int, channels: Int, inputPath: String) throws -> [BoundEffect] {
        guard let chain = request.chain else { return [] }
        bindLock.lock()
        defer { bindLock.unlock() }
        let key = "\(rate)/\(channels)"
        if boundChains[key] == nil {
            do {
                boundChains[key] = .success(try chain.bind(inputChannels: channels, rate: rate, inputPath: inputPath, planning: request.planning))
            } catch let error as SFConvError {
                boundChains[key] = .failure(error)
            } catch {
                boundChains[key] = .failure(SFConvError("\(error)"))
            }
        }
        return try boundChains[key]!.get()
    }

    /// An augmentation impulse, loaded and resampled once per rate.
    private func loadImpulse(_ path: String, rate: Int) throws -> AudioBuffer {
        bindLock.lock()
        defer { bindLock.unlock() }
        let key = "\(rate)/\(path)"
        if impulses[key] == nil {
            do {
                impulses[key] = .success(try loadKernel(path: path, rate: rate, resample: true, diagnostics: .silent))
            } catch let error as SFConvError {
                impulses[key] = .failure(error)
            } catch {
                impulses[key] = .failure(SFConvError("\(error)"))
            }
        }
        return try impulses[key]!.get()
    }
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
            hoursIn += (report.durationIn ?? 0) / 3600
            hoursOut += (report.durationOut ?? 0) / 3600
            if (report.clippedSamples ?? 0) > 0 { clippedFiles += 1 }
        }
    }
}
