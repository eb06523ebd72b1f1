import Foundation

extension BatchRunner {
    /// One file of an augmentation batch, whole in memory: read, the batch's chain (if any), the
    /// augmentation, then the target (if any) and the output, each through the atomic writer —
    /// the target first, so that an existing output (what --skip-existing looks at) always has its target.
    /// A file that opens as audio and holds the frames its header declares.
    static func looksComplete(_ path: String) -> Bool {
        guard FileManager.default.fileExists(atPath: path), let reader = try? SoundFileReader(path: path),
              let declared = reader.declaredFrameCount, declared > 0 else { return false }
        return (try? reader.readAll(diagnostics: .silent, limit: declared).frameCount) == declared
    }

    func processAugmented(_ job: BatchJob, _ augmentation: ReverbAugmentation) -> FileReport {
        let start = Date()
        var report = FileReport(input: job.inputPath, output: job.outputPath, status: .ok, wallSeconds: 0)
        let targetPath = augmentation.target.map { $0.folder + "/" + job.outputRelativePath }
        let targetGiven = augmentation.target.map { ReverbAugmentation.joinable($0.given) + job.outputRelativePath }
        // Outputs are committed without an fsync each (one sync ends the batch, before the
        // manifest), so after a crash an output may exist without its data: a manifest line says
        // the file was synced; otherwise an existing output (and its target) is read through first,
        // and one that is not whole is made again.
        let exists = request.skipExisting && FileManager.default.fileExists(atPath: job.outputPath)
        if exists && request.recordsKnown?.contains(job.relativePath) == true {
            report.status = .skipped
            return report
        }
        let skipping = exists && Self.looksComplete(job.outputPath) && (targetPath.map(Self.looksComplete) ?? true)
        if skipping && request.recordsKnown == nil {
            report.status = .skipped
            return report
        }
        let (diagnostics, warnings) = Self.collectingWarnings()
        do {
            let reader = try SoundFileReader(path: job.inputPath)
            report.durationIn = reader.declaredDuration
            let format = try outputFormat(job, reader: reader)
            let chain = try bound(reader, for: format)
            let limit = maximumAugmentedFrames(channels: reader.channelCount)
            if let declared = reader.declaredFrameCount, declared > limit {
                throw SFConvError("too long to augment in memory: \(declared) frames, more than the \(limit) that the memory budget "
                    + "(\(request.memoryBudget >> 20) MiB, --max-memory) allows each of \(max(1, min(request.parallelJobs, request.jobs.count))) concurrent files", path: job.inputPath)
            }
            let input = try applying(chain, to: readPlanar(reader, limit: limit, diagnostics: diagnostics))
            var finalPeak: Double?
            switch chain.finalPass {
            case .peak(let level)?: finalPeak = level
            case .loudness?: throw SFConvError("loudness normalisation is not available with reverb augmentation")
            case nil: break
            }
            let augmented = try augmentation.augment(AugmentationDSP.floats(input.channels), rate: reader.sampleRate, relativePath: job.relativePath, targetGiven: targetGiven,
                                                     files: files, t30Cache: t30Cache, finalPeakDBFS: finalPeak)
            report.augmentation = augmented.record
            report.impulse = augmented.record.ir ?? "synthetic"
            report.wet = augmented.record.wet
            report.durationIn = Double(input.frameCount) / Double(reader.sampleRate)
            report.durationOut = Double(augmented.record.frames) / Double(reader.sampleRate)
            if skipping {
                // Resumed: the record only, for the manifest.
                report.status = .skipped
                return report
            }
            if let targetPath, let target = augmented.target {
                // Resuming, a target without its output is a killed run's: the same draws make it again.
                _ = try write(target, to: targetPath, format: format, rate: reader.sampleRate, overwrite: request.output.overwrite || request.skipExisting)
            }
            // Resuming, an output that was not whole is replaced.
            let writer = try write(augmented.output, to: job.outputPath, format: format, rate: reader.sampleRate, overwrite: request.output.overwrite || exists)
            report.peakDBFS = writer.peak > 0 ? 20 * log10(Double(writer.peak)) : nil
            report.clippedSamples = writer.clippedSampleCount
            if let clipping = writer.clippingReport { warnings.withLock { $0.append(clipping) } }
        } catch {
            let written = request.skipExisting && FileManager.default.fileExists(atPath: job.outputPath)
            report.status = written ? .skipped : .failed
            report.error = written ? nil : SFConvErrors.list(error).map { $0.path == nil ? SFConvError($0.message, path: job.inputPath) : $0 }
                .map(\.description).joined(separator: "; ")
        }
        report.warnings = warnings.withLock { $0.isEmpty ? nil : $0 }
        report.wallSeconds = Date().timeIntervalSince(start)
        return report
    }

    /// The most frames one file may have in memory: a share of the memory budget for each
    /// concurrent file (the input as read, in Samples, then the input, the IR's FFT buffers, output
    /// and target in Floats: about 12 floats and a Sample a frame and channel).
    private func maximumAugmentedFrames(channels: Int) -> Int {
        let concurrent = max(1, min(request.parallelJobs, request.jobs.count))
        let bytesPerFrame = (12 * MemoryLayout<Float>.size + MemoryLayout<Sample>.size) * max(1, channels)
        return max(1, request.memoryBudget / concurrent / bytesPerFrame)
    }

    /// `input` through the batch's chain in memory (its final normalisation, if any, is left to the caller).
    private func applying(_ chain: BoundChain, to input: AudioBuffer) throws -> AudioBuffer {
        guard !chain.effects.isEmpty else { return input }
        let processor = chain.makeProcessor()
        let inCount = input.channelCount, outCount = processor.outputChannelCount
        var out = [[Sample]](repeating: [], count: outCount)
        let collect: FrameSink = { frames, count in
            for c in 0..<outCount { for i in 0..<count { out[c].append(frames[i * outCount + c]) } }
        }
        let block = 8192
        var interleaved = [Sample](repeating: 0, count: block * inCount)
        var position = 0
        while position < input.frameCount {
            let count = min(block, input.frameCount - position)
            for i in 0..<count { for c in 0..<inCount { interleaved[i * inCount + c] = input.channels[c][position + i] } }
            try interleaved.withUnsafeMutableBufferPointer { try processor.process($0.baseAddress!, count: count, next: collect) }
            position += count
        }
        try processor.finish(next: collect)
        return AudioBuffer(channels: out, sampleRate: input.sampleRate)
    }

    /// Writes planar `channels` through the atomic writer (temporary file, checked, committed).
    private func write(_ channels: [[Float]], to path: String, format: SoundFormat, rate: Int, overwrite: Bool) throws -> SoundFileWriter {
        try FileManager.default.createDirectory(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path, withIntermediateDirectories: true)
        let writer = try SoundFileWriter(path: path, format: format, channelCount: channels.count, sampleRate: rate,
                                         overwrite: overwrite, dither: request.dither)
        // The batch syncs once at its end (``BatchRunner/run(finished:)``), not per file.
        writer.durable = false
        let frames = channels.first?.count ?? 0
        let channelCount = channels.count
        let block = 16384
        let interleaved = UnsafeMutablePointer<Sample>.allocate(capacity: block * channelCount)
        defer { interleaved.deallocate() }
        var position = 0
        while position < frames {
            let count = min(block, frames - position)
            for (c, channel) in channels.enumerated() {
                channel.withUnsafeBufferPointer { samples in
                    for i in 0..<count { interleaved[i * channelCount + c] = Sample(samples[position + i]) }
                }
            }
            try writer.write(interleaved, frameCount: count)
            position += count
        }
        try writer.commit()
        return writer
    }

    /// The whole file as planar channels (what ``SoundFileReader/readAll(diagnostics:limit:)`` gives,
    /// without its per-sample appends: this runs once per file of a batch).
    private func readPlanar(_ reader: SoundFileReader, limit: Int, diagnostics: Diagnostics) throws -> AudioBuffer {
        let channelCount = reader.channelCount
        let block = 16384
        let interleaved = UnsafeMutablePointer<Sample>.allocate(capacity: block * channelCount)
        defer { interleaved.deallocate() }
        var channels = [[Sample]](repeating: [], count: channelCount)
        let expected = min(reader.declaredFrameCount ?? 0, limit)
        for c in channels.indices { channels[c].reserveCapacity(expected) }
        var total = 0
        while true {
            let got = try reader.read(into: interleaved, frameCount: block)
            if got == 0 { break }
            total += got
            guard total <= limit else { throw SFConvError("too long: more than \(limit) frames", path: reader.path) }
            if channelCount == 1 {
                channels[0].append(contentsOf: UnsafeBufferPointer(start: interleaved, count: got))
            } else {
                for c in 0..<channelCount {
                    channels[c].append(contentsOf: (0..<got).lazy.map { interleaved[$0 * channelCount + c] })
                }
            }
        }
        reader.finish(diagnostics: diagnostics)
        return AudioBuffer(channels: channels, sampleRate: reader.sampleRate)
    }
}
