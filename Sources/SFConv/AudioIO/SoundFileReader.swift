import CSndFile
import Foundation

/// Reads an audio file block by block through libsndfile, as interleaved ``Sample``s (Double:
/// exact for every PCM width and for float and double files).
///
/// Owns its `SNDFILE*`. Sample files are checked for NaN and infinity as they are read. When the
/// file ends before the frame count its header declares, ``finish(diagnostics:)`` warns. `-` reads
/// standard input; it and other pipes are spooled to a temporary file first (``InputSpool``).
public final class SoundFileReader {
    /// What messages name: the path given, or "standard input".
    public let path: String
    public let channelCount: Int
    public let sampleRate: Int
    public let format: SoundFormat
    /// The frame count the header declares; nil when unknown (a FLAC written to a pipe).
    public let declaredFrameCount: Int?
    public private(set) var framesRead = 0

    private let handle: OpaquePointer
    private let frameCountIsExact: Bool
    /// How samples come from libsndfile.
    private let transfer: SampleTransfer
    private let scratch = TransferScratch()
    private var reachedEnd = false
    /// The spooled copy of a pipe, removed with the reader.
    private let spool: String?

    /// The lowest and highest sample rates accepted (a header outside them is damaged or hostile).
    public static let rateRange = 100...1_536_000
    /// The most channels accepted.
    public static let maximumChannelCount = 256

    public init(path given: String) throws {
        let (path, spool) = try InputSpool.regularFile(for: given)
        let name = InputSpool.displayName(given)
        func removeSpool() {
            if let spool { unlink(spool); TemporaryFiles.unregister(spool) }
        }
        do {
            try Self.checkReadable(path, name: name)
        } catch {
            removeSpool()
            throw error
        }
        var info = SF_INFO()
        guard let handle = sf_open(path, Int32(SFM_READ), &info) else {
            let reason = Self.libraryMessage(nil)
            removeSpool()
            throw SFConvError("cannot read as audio: \(reason)", path: name)
        }
        self.path = name
        self.spool = spool
        self.handle = handle
        channelCount = Int(info.channels)
        sampleRate = Int(info.samplerate)
        format = SoundFormat(rawValue: info.format)
        let major = format.majorValue
        let libraryCount = info.frames >= 0 && info.frames < Int64(Int32.max) * 1024 ? Int(info.frames) : nil
        let headerCount = major == Int32(SF_FORMAT_WAV) || major == Int32(SF_FORMAT_AIFF) ? HeaderClaim.declaredFrames(path: path) : nil
        declaredFrameCount = max(headerCount ?? 0, libraryCount ?? 0) > 0 ? max(headerCount ?? 0, libraryCount ?? 0) : libraryCount
        frameCountIsExact = major != Int32(SF_FORMAT_MPEG) && major != Int32(SF_FORMAT_OGG)
        transfer = SampleTransfer(format)
        guard (1...Self.maximumChannelCount).contains(channelCount), Self.rateRange.contains(sampleRate) else {
            sf_close(handle)
            removeSpool()
            throw SFConvError("the header says \(channelCount) channels at \(sampleRate) Hz: sfconv reads 1 to \(Self.maximumChannelCount) channels "
                + "at \(Self.rateRange.lowerBound) to \(Self.rateRange.upperBound) Hz (a damaged header?)", path: name)
        }
    }

    deinit {
        sf_close(handle)
        if let spool {
            unlink(spool)
            TemporaryFiles.unregister(spool)
        }
    }

    /// Duration the header declares, in seconds.
    public var declaredDuration: Double? { declaredFrameCount.map { Double($0) / Double(sampleRate) } }

    /// Reads up to `frameCount` frames into `buffer` (room for `frameCount * channelCount` samples).
    /// Returns the frames read; 0 at the end of the file.
    public func read(into buffer: UnsafeMutablePointer<Sample>, frameCount: Int) throws -> Int {
        if reachedEnd || frameCount == 0 { return 0 }
        let got = transfer.read(handle, into: buffer, frames: frameCount, channels: channelCount,
                                scratch: scratch.reserve(frameCount * channelCount * transfer.scratchBytesPerSample))
        if got <= 0 {
            reachedEnd = true
            // A short read is the end of the file unless the library says it failed.
            if sf_error(handle) != 0 { throw SFConvError("read failed after \(framesRead) frames: \(Self.libraryMessage(handle))", path: path) }
            return 0
        }
        if format.isFloatingPoint {
            try checkFinite(buffer, sampleCount: got * channelCount)
        }
        framesRead += got
        return got
    }

    /// After the last read: warns when the file held fewer frames than its header declares.
    public func finish(diagnostics: Diagnostics) {
        if frameCountIsExact, let declared = declaredFrameCount, framesRead < declared {
            diagnostics.warning("file ends after \(framesRead) of the \(declared) frames its header declares (truncated or damaged); processed the readable part (\(path))")
        }
    }

    /// Reads the whole file into planar channels (for kernels and impulse responses).
    /// More than `limit` frames is an error (a header that declares no length cannot be trusted).
    public func readAll(diagnostics: Diagnostics, limit: Int = .max) throws -> AudioBuffer {
        let blockFrames = 65536
        var interleaved = [Sample](repeating: 0, count: blockFrames * channelCount)
        var channels = [[Sample]](repeating: [], count: channelCount)
        if let declared = declaredFrameCount, declared < 1 << 28 {
            for c in channels.indices { channels[c].reserveCapacity(declared) }
        }
        while true {
            let got = try interleaved.withUnsafeMutableBufferPointer {
                try read(into: $0.baseAddress!, frameCount: blockFrames)
            }
            if got == 0 { break }
            guard framesRead <= limit else { throw SFConvError("too long: more than \(limit) frames", path: path) }
            for c in 0..<channelCount {
                for i in 0..<got { channels[c].append(interleaved[i * channelCount + c]) }
            }
        }
        finish(diagnostics: diagnostics)
        return AudioBuffer(channels: channels, sampleRate: sampleRate)
    }

    private func checkFinite(_ buffer: UnsafeMutablePointer<Sample>, sampleCount: Int) throws {
        guard !SampleScan.allFinite(buffer, count: sampleCount) else { return }
        for i in 0..<sampleCount where !buffer[i].isFinite {
            let frame = framesRead + i / channelCount
            let kind = buffer[i].isNaN ? "NaN" : "infinite"
            throw SFConvError("\(kind) sample at frame \(frame), channel \(i % channelCount + 1)", path: path)
        }
    }

    static func checkReadable(_ path: String, name: String) throws {
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw SFConvError(errno == ENOENT ? "no such file" : "cannot open: \(String(cString: strerror(errno)))", path: name)
        }
        if status.st_mode & S_IFMT == S_IFDIR {
            throw SFConvError("is a directory, not an audio file", path: name)
        }
        if status.st_mode & S_IFMT == S_IFREG && status.st_size == 0 {
            throw SFConvError("file is empty (0 bytes)", path: name)
        }
        guard access(path, R_OK) == 0 else {
            throw SFConvError("cannot open: \(String(cString: strerror(errno)))", path: name)
        }
    }

    static func libraryMessage(_ handle: OpaquePointer?) -> String {
        guard let text = sf_strerror(handle) else { return "unknown libsndfile error" }
        var message = String(cString: text)
        while message.hasSuffix(".") || message.hasSuffix("\n") { message.removeLast() }
        return message
    }
}

extension SoundFileReader: FrameSource {}
