import CSndFile
import Foundation

/// Writes interleaved ``Sample`` frames through libsndfile into a temporary file beside the target
/// (an ``OutputFile``: every byte's write checked), which ``commit()`` checks — frames read back
/// where the header states them — and moves into place. Until then the target is untouched; a
/// writer released without `commit()` (an error, a thrown exception) removes its temporary file.
/// NaN or infinite samples are an error.
///
/// Integer PCM is quantised here, not by libsndfile: full scale is 2^(bits−1) steps (the scale
/// libsndfile reads with, so a file read and written back is bit-identical), each sample rounded
/// to the nearest step, and samples beyond ±1 clamped and counted. Encodings of 16 bits or less can
/// be given TPDF dither of ±1 step before quantisation, except in a block already on the output
/// grid, within ``gridTolerance`` (an identity chain's output, digital silence), rounded as it is. Float and double files
/// and codecs get the samples as they are.
public final class SoundFileWriter {
    public let path: String
    /// The file messages name.
    public let reportedPath: String
    public let format: SoundFormat
    public let channelCount: Int
    public let sampleRate: Int
    public private(set) var framesWritten = 0
    /// Samples beyond full scale that an integer encoding clamped.
    public private(set) var clippedSampleCount = 0
    /// The largest absolute sample value written, before any clamping.
    public private(set) var peak: Sample = 0
    /// Whether ``commit()`` syncs the file and its folder to disk (a batch may sync once at its end instead).
    public var durable = true

    private let file: OutputFile
    private var handle: OpaquePointer?
    private let overwrite: Bool
    private let acceptsNonFinite: Bool
    /// The most frames the container can hold (WAV, AIFF and AU sizes are 32-bit).
    private let frameLimit: Int
    private let clamps: Bool
    /// How samples reach libsndfile (integer PCM quantised here, not by libsndfile).
    private let transfer: SampleTransfer
    private let scratch = TransferScratch()
    /// TPDF dither of one quantisation step, when asked for and the encoding has 16 bits or less.
    private var dither: DitherNoise?

    /// - Parameters:
    ///   - path: the file to create; refused if it exists unless `overwrite` is true.
    ///   - format: container and encoding.
    ///   - channelCount: 1 or more.
    ///   - sampleRate: in Hz.
    ///   - dither: add TPDF dither when the encoding has 16 bits or less (ignored otherwise).
    ///   - reportedPath: the file messages name, when `path` is a hidden intermediate of it.
    ///   - acceptsNonFinite: write NaN and infinite samples instead of failing (hostile test files only).
    public init(path: String, format: SoundFormat, channelCount: Int, sampleRate: Int, overwrite: Bool, dither: Bool = false,
                reportedPath: String? = nil, acceptsNonFinite: Bool = false) throws {
        self.acceptsNonFinite = acceptsNonFinite
        if path != OutputFile.standardOutput { try Self.checkDestination(path, overwrite: overwrite) }
        var info = SF_INFO()
        info.channels = Int32(channelCount)
        info.samplerate = Int32(sampleRate)
        info.format = format.rawValue
        guard sf_format_check(&info) != 0 else {
            throw SFConvError("cannot write \(format.containerName) with \(format.subtypeName) samples, \(channelCount) channels at \(sampleRate) Hz", path: path)
        }
        file = try OutputFile(target: path, reportedPath: reportedPath ?? path)
        guard let handle = file.openForWriting(&info) else {
            let reason = SoundFileReader.libraryMessage(nil)
            file.discard()
            throw SFConvError("cannot create output: \(reason)", path: reportedPath ?? path)
        }
        self.handle = handle
        self.overwrite = overwrite
        let bytesPerFrame = max(1, (format.sampleSubtype?.bitDepth ?? 16) / 8 * channelCount)
        frameLimit = [.wav, .aiff, .au].contains(format.container) ? (Int(UInt32.max) - (1 << 16)) / bytesPerFrame : Int.max
        self.path = path
        self.reportedPath = reportedPath ?? path
        self.format = format
        self.channelCount = channelCount
        self.sampleRate = sampleRate
        clamps = format.sampleSubtype?.isInteger ?? true
        transfer = SampleTransfer(format)
        if dither, let subtype = format.sampleSubtype, subtype.isInteger, subtype.bitDepth <= 16 {
            self.dither = DitherNoise(step: 1 / Sample(1 << (subtype.bitDepth - 1)))
        }
        // libsndfile clamps float-to-integer conversions itself only when asked; the answer is the new setting.
        if sf_command(handle, Int32(SFC_SET_CLIPPING), nil, Int32(SF_TRUE)) != Int32(SF_TRUE) {
            discard()
            throw SFConvError("cannot set up the output: libsndfile refused to clip", path: self.reportedPath)
        }
    }

    deinit { discard() }

    /// Abandons the output: closes and removes the temporary file; the target is untouched.
    /// Called by `deinit`; call it yourself where the writer may outlive the failure.
    public func discard() {
        if let handle { sf_close(handle) }
        handle = nil
        file.discard()
    }

    /// Writes `frameCount` interleaved frames. Clamps integer-bound samples in place.
    public func write(_ frames: UnsafeMutablePointer<Sample>, frameCount: Int) throws {
        guard let handle else { preconditionFailure("write after commit") }
        guard frameCount > 0 else { return }
        guard framesWritten + frameCount <= frameLimit else {
            let name = format.container?.rawValue.uppercased() ?? "this container"
            throw SFConvError("\(name) holds at most 4 GiB of audio (\(frameLimit) frames here); write .rf64, .w64 or .caf for longer output", path: reportedPath)
        }
        let sampleCount = frameCount * channelCount
        var (blockPeak, allFinite) = SampleScan.peakAndFiniteness(frames, count: sampleCount)
        guard allFinite || acceptsNonFinite else {
            let index = (0..<sampleCount).first { !frames[$0].isFinite }!
            throw SFConvError("the output has a \(frames[index].isNaN ? "NaN" : "infinite") sample at frame \(framesWritten + index / channelCount): "
                + "a gain or filter in the chain is too large for the signal", path: reportedPath)
        }
        peak = max(peak, blockPeak)
        if case .float = transfer, blockPeak > Sample(Float.greatestFiniteMagnitude) {
            throw SFConvError("the output has a sample of \(Numbers.format(blockPeak)), beyond what 32-bit float holds: "
                + "a gain or filter in the chain is too large for the signal", path: reportedPath)
        }
        if let step = dither?.step, !Self.isOnGrid(frames, count: sampleCount, steps: 1 / step) {
            dither?.add(to: frames, count: sampleCount)
            blockPeak += step
        }
        if clamps && blockPeak > 1 {
            for i in 0..<sampleCount where abs(frames[i]) > 1 {
                frames[i] = frames[i] > 0 ? 1 : -1
                clippedSampleCount += 1
            }
        }
        let written = transfer.write(handle, from: frames, frames: frameCount, channels: channelCount,
                                     scratch: scratch.reserve(sampleCount * transfer.scratchBytesPerSample))
        guard written == frameCount, file.failure == nil else {
            var reason = file.failure ?? SoundFileReader.libraryMessage(handle)
            if reason.hasPrefix("System error : ") { reason.removeFirst("System error : ".count) }
            throw SFConvError("write failed after \(framesWritten + max(written, 0)) frames: \(reason)", path: reportedPath)
        }
        framesWritten += frameCount
    }

    /// Whether every sample is within ``gridTolerance`` of a whole number of quantisation steps
    /// (`steps` per unit): such a block (an identity chain's, digital silence, a unit impulse
    /// through single-precision FFTs) holds nothing below the last bit for dither to decorrelate,
    /// and is rounded as it is. Audio that was really processed has no block of thousands of
    /// samples all that close to the grid.
    static func isOnGrid(_ samples: UnsafeMutablePointer<Sample>, count: Int, steps: Sample) -> Bool {
        for i in 0..<count {
            let scaled = samples[i] * steps
            if abs(scaled - scaled.rounded()) > gridTolerance { return false }
        }
        return true
    }

    /// In steps: 1/16, above single-precision FFTs' error on full-scale 16-bit audio (about 0.01).
    static let gridTolerance: Sample = 1.0 / 16

    /// Finishes the file, checks that it holds every frame written, and moves it over the target.
    public func commit() throws {
        guard let handle else { return }
        defer { discard() }
        sf_write_sync(handle)
        let syncError = sf_error(handle)
        let syncMessage = SoundFileReader.libraryMessage(handle)
        let closeStatus = sf_close(handle)
        self.handle = nil
        guard syncError == 0, closeStatus == 0, file.failure == nil else {
            let reason = file.failure ?? (syncError != 0 ? syncMessage : "libsndfile error \(closeStatus) on close")
            throw SFConvError("cannot finish output: \(reason)", path: reportedPath)
        }
        try verifyFrames()
        try file.commit(overwrite: overwrite, durable: durable)
    }

    /// Reopens the finished file, where its header states an exact length, and compares it with
    /// the frames written.
    private func verifyFrames() throws {
        guard let container = format.container, ![.mp3, .ogg, .opus].contains(container) else { return }
        let reader: SoundFileReader
        do {
            reader = try SoundFileReader(path: file.temporaryPath)
        } catch let error as SFConvError {
            throw SFConvError("the finished output does not read back: \(error.message)", path: reportedPath)
        }
        guard reader.declaredFrameCount == framesWritten else {
            throw SFConvError("the finished output holds \(reader.declaredFrameCount.map(String.init) ?? "an unknown number of") frames, not the \(framesWritten) written",
                              path: reportedPath)
        }
    }

    /// A sentence for stderr when samples were clipped, with the gain that would have avoided it.
    public var clippingReport: String? {
        guard clippedSampleCount > 0 else { return nil }
        let peakDB = 20 * log10(Double(peak))
        let figures = String(format: "(peak %+.2f dBFS); a gain of %.2f dB would avoid it", peakDB, -peakDB - 0.01)
        return "\(clippedSampleCount) samples clipped \(figures) (\(reportedPath))"
    }

    /// An error unless `path` can be written: not a folder, not an existing file (unless `overwrite`), in a writable folder.
    public static func checkDestination(_ path: String, overwrite: Bool) throws {
        var status = stat()
        var link = stat()
        if lstat(path, &link) == 0, link.st_mode & S_IFMT == S_IFLNK, stat(path, &status) != 0 {
            throw SFConvError("output is a dangling symbolic link; remove it or choose another name", path: path)
        }
        if stat(path, &status) == 0 {
            if status.st_mode & S_IFMT == S_IFDIR {
                throw SFConvError("output is a directory", path: path)
            }
            if status.st_mode & S_IFMT != S_IFREG {
                throw SFConvError("output exists and is not a regular file (a pipe or a device); for standard output write -", path: path)
            }
            guard overwrite else {
                throw SFConvError("output file exists; use --force to overwrite it", path: path)
            }
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var folderStatus = stat()
        guard stat(folder, &folderStatus) == 0, folderStatus.st_mode & S_IFMT == S_IFDIR else {
            throw SFConvError("output folder does not exist", path: path)
        }
        guard access(folder, W_OK) == 0 else {
            throw SFConvError("output folder is not writable", path: path)
        }
    }
}

/// One writer's TPDF dither: triangular noise of ±1 step, the sum of two uniform values of ±½ step
/// from a xorshift64* generator that every writer starts from the same state. The values are
/// therefore the same for every file: the first ``tableCount`` of each step size are computed once
/// per process and added from a table (the generator's serial chain cost as much as a batch's FFTs).
struct DitherNoise {
    static let seed: UInt64 = 0x2545_F491_4F6C_DD1D
    /// Values kept per step size (8 MiB of Samples): longer outputs go on with the generator.
    static let tableCount = 1 << 20

    let step: Sample
    /// Samples dithered so far.
    private var position = 0
    /// The generator's state at `position`, once past the table.
    private var state = DitherNoise.seed

    init(step: Sample) { self.step = step }

    /// Adds the next `count` values to `samples`.
    mutating func add(to samples: UnsafeMutablePointer<Sample>, count: Int) {
        var done = 0
        if position < Self.tableCount {
            let (values, endState) = Self.table(step: step, count: min(position + count, Self.tableCount))
            done = min(count, values.count - position)
            values.withUnsafeBufferPointer { table in
                let start = table.baseAddress! + position
                for i in 0..<done { samples[i] += start[i] }
            }
            position += done
            if position == values.count { state = endState }
        }
        guard done < count else { return }
        Self.generate(into: samples + done, count: count - done, step: step, state: &state)
        position += count - done
    }

    /// Adds `count` values from the generator at `state` to `samples`, advancing `state`.
    static func generate(into samples: UnsafeMutablePointer<Sample>, count: Int, step: Sample, state: inout UInt64) {
        var x = state
        let scale = step / Sample(1 << 24)
        for i in 0..<count {
            x ^= x >> 12
            x ^= x << 25
            x ^= x >> 27
            let bits = x &* 0x2545_F491_4F6C_DD1D
            let first = Sample(Int32(truncatingIfNeeded: bits >> 40) - (1 << 23))
            let second = Sample(Int32(truncatingIfNeeded: (bits >> 16) & 0xFF_FFFF) - (1 << 23))
            samples[i] += (first + second) * scale
        }
        state = x
    }

    private static let tables = LockedValue<[Sample: (values: [Sample], endState: UInt64)]>([:])

    /// At least `count` (≤ ``tableCount``) values of `step` from the start, and the generator's
    /// state after the last one; grown by doubling as longer outputs ask.
    static func table(step: Sample, count: Int) -> (values: [Sample], endState: UInt64) {
        tables.withLock { tables in
            var table = tables[step] ?? ([], seed)
            guard table.values.count < count else { return table }
            let oldCount = table.values.count
            let newCount = min(tableCount, max(count, 2 * oldCount, 1 << 16))
            table.values += [Sample](repeating: 0, count: newCount - oldCount)
            table.values.withUnsafeMutableBufferPointer { values in
                generate(into: values.baseAddress! + oldCount, count: newCount - oldCount, step: step, state: &table.endState)
            }
            tables[step] = table
            return table
        }
    }
}
