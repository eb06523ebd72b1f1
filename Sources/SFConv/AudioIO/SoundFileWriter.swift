import CSndFile
import Foundation

/// Writes interleaved float frames through libsndfile into a temporary file beside the target,
/// which ``commit()`` renames over the target. Until then the target is untouched; a writer
/// released without `commit()` (an error, a thrown exception) removes its temporary file.
///
/// Integer encodings clip at full scale: samples beyond ±1 are clamped and counted. Encodings of
/// 16 bits or less can be given TPDF dither of ±1 LSB before quantisation.
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
    public private(set) var peak: Float = 0

    private let temporaryPath: String
    private var handle: OpaquePointer?
    private let clamps: Bool
    /// The size of one quantisation step when dithering, else nil.
    private let ditherStep: Float?
    private var ditherState: UInt64 = 0x2545_F491_4F6C_DD1D

    /// - Parameters:
    ///   - path: the file to create; refused if it exists unless `overwrite` is true.
    ///   - format: container and encoding.
    ///   - channelCount: 1 or more.
    ///   - sampleRate: in Hz.
    ///   - dither: add TPDF dither when the encoding has 16 bits or less (ignored otherwise).
    ///   - reportedPath: the file messages name, when `path` is a hidden intermediate of it.
    public init(path: String, format: SoundFormat, channelCount: Int, sampleRate: Int, overwrite: Bool, dither: Bool = false,
                reportedPath: String? = nil) throws {
        try Self.checkDestination(path, overwrite: overwrite)
        var info = SF_INFO()
        info.channels = Int32(channelCount)
        info.samplerate = Int32(sampleRate)
        info.format = format.rawValue
        guard sf_format_check(&info) != 0 else {
            throw SFConvError("cannot write \(format.containerName) with \(format.subtypeName) samples, \(channelCount) channels at \(sampleRate) Hz", path: path)
        }
        temporaryPath = TemporaryFiles.hiddenPath(beside: path, tag: "tmp")
        TemporaryFiles.register(temporaryPath)
        guard let handle = sf_open(temporaryPath, Int32(SFM_WRITE), &info) else {
            let reason = SoundFileReader.libraryMessage(nil)
            unlink(temporaryPath)
            TemporaryFiles.unregister(temporaryPath)
            throw SFConvError("cannot create output: \(reason)", path: reportedPath ?? path)
        }
        self.handle = handle
        self.path = path
        self.reportedPath = reportedPath ?? path
        self.format = format
        self.channelCount = channelCount
        self.sampleRate = sampleRate
        clamps = format.sampleSubtype?.isInteger ?? true
        if dither, let subtype = format.sampleSubtype, subtype.isInteger, subtype.bitDepth <= 16 {
            ditherStep = 1 / Float((1 << (subtype.bitDepth - 1)) - 1)
        } else {
            ditherStep = nil
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
        guard let handle else { return }
        sf_close(handle)
        self.handle = nil
        unlink(temporaryPath)
        TemporaryFiles.unregister(temporaryPath)
    }

    /// Writes `frameCount` interleaved frames. Clamps integer-bound samples in place.
    public func write(_ frames: UnsafeMutablePointer<Float>, frameCount: Int) throws {
        guard let handle else { preconditionFailure("write after commit") }
        guard frameCount > 0 else { return }
        let sampleCount = frameCount * channelCount
        var blockPeak = SampleScan.peak(frames, count: sampleCount)
        peak = max(peak, blockPeak)
        if let ditherStep {
            addDither(frames, count: sampleCount, step: ditherStep)
            blockPeak += ditherStep
        }
        if clamps && blockPeak > 1 {
            for i in 0..<sampleCount where abs(frames[i]) > 1 {
                frames[i] = frames[i] > 0 ? 1 : -1
                clippedSampleCount += 1
            }
        }
        let written = Int(sf_writef_float(handle, frames, sf_count_t(frameCount)))
        guard written == frameCount else {
            var reason = SoundFileReader.libraryMessage(handle)
            if reason.hasPrefix("System error : ") { reason.removeFirst("System error : ".count) }
            throw SFConvError("write failed after \(framesWritten + max(written, 0)) frames: \(reason)", path: reportedPath)
        }
        framesWritten += frameCount
    }

    /// Adds triangular noise of ±1 step: the sum of two uniform values of ±½ step (xorshift64*).
    private func addDither(_ samples: UnsafeMutablePointer<Float>, count: Int, step: Float) {
        var state = ditherState
        let scale = step / Float(1 << 24)
        for i in 0..<count {
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            let bits = state &* 0x2545_F491_4F6C_DD1D
            let first = Float(Int32(truncatingIfNeeded: bits >> 40) - (1 << 23))
            let second = Float(Int32(truncatingIfNeeded: (bits >> 16) & 0xFF_FFFF) - (1 << 23))
            samples[i] += (first + second) * scale
        }
        ditherState = state
    }

    /// Finishes the file and moves it over the target.
    public func commit() throws {
        guard let handle else { return }
        sf_write_sync(handle)
        let syncError = sf_error(handle)
        let syncMessage = SoundFileReader.libraryMessage(handle)
        let closeStatus = sf_close(handle)
        self.handle = nil
        defer { TemporaryFiles.unregister(temporaryPath) }
        guard syncError == 0, closeStatus == 0 else {
            unlink(temporaryPath)
            let reason = syncError != 0 ? syncMessage : "libsndfile error \(closeStatus) on close"
            throw SFConvError("cannot finish output: \(reason)", path: reportedPath)
        }
        guard rename(temporaryPath, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporaryPath)
            throw SFConvError("cannot move the finished output into place: \(reason)", path: reportedPath)
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
        if stat(path, &status) == 0 {
            if status.st_mode & S_IFMT == S_IFDIR {
                throw SFConvError("output is a directory", path: path)
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
