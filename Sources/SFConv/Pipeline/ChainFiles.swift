import Foundation

/// Kernel and impulse files for a chain: names resolved against search folders, files read whole
/// through ``SoundFileReader``, resampled to the input's rate. Loads are cached per path and rate,
/// so a batch reads and resamples each file once.
public final class ChainFiles: AudioFiles, @unchecked Sendable {
    /// Folders searched in order for a relative name; empty: names are paths as given.
    public let folders: [String]
    private let lock = NSLock()
    private var loaded: [String: Result<AudioBuffer, SFConvError>] = [:]

    /// The longest kernel accepted: 60 s at 192 kHz.
    public static let maximumKernelFrames = 60 * 192_000

    /// The most bytes a loaded file (and its resampled copy) may take.
    public let memoryBudget: Int

    public init(folders: [String], memoryBudget: Int = BindContext.defaultMemoryBudget) {
        self.folders = folders
        self.memoryBudget = memoryBudget
    }

    public func resolve(_ name: String) throws -> String {
        if folders.isEmpty || name.hasPrefix("/") {
            guard folders.isEmpty || FileManager.default.fileExists(atPath: name) else { throw SFConvError("file not found: \(name)") }
            return name
        }
        for folder in folders {
            let candidate = folder + "/" + name
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
        }
        throw SFConvError("'\(name)' not found; looked in \(folders.joined(separator: " and "))")
    }

    public func check(_ path: String) throws {
        _ = try SoundFileReader(path: path)
    }

    public func load(_ path: String, rate: Int, resample: Bool, diagnostics: Diagnostics) throws -> AudioBuffer {
        let key = "\(rate)/\(resample)/\(path)"
        lock.lock()
        defer { lock.unlock() }
        if loaded[key] == nil {
            do {
                loaded[key] = .success(try read(path, rate: rate, resample: resample, diagnostics: diagnostics))
            } catch {
                loaded[key] = .failure(error as? SFConvError ?? SFConvError("\(error)", path: path))
            }
        }
        return try loaded[key]!.get()
    }

    /// Reads a kernel or impulse response file whole, resampled to `rate` when allowed.
    func read(_ path: String, rate: Int, resample: Bool, diagnostics: Diagnostics) throws -> AudioBuffer {
        let reader = try SoundFileReader(path: path)
        let limit = Self.maximumKernelFrames
        if let declared = reader.declaredFrameCount, declared > limit {
            throw SFConvError("kernel is too long: \(declared) frames (at most \(limit), 60 s at 192 kHz)", path: path)
        }
        // The file, planar, and its copy at the input's rate: refused before reading when over budget.
        let ratio = max(1, Double(rate) / Double(reader.sampleRate))
        let bytes = Double(reader.declaredFrameCount ?? limit) * Double(reader.channelCount * MemoryLayout<Sample>.size) * (1 + ratio)
        if bytes > Double(memoryBudget) {
            throw SFConvError("kernel of \(reader.channelCount) channels needs about \(Int(bytes) >> 20) MiB at \(rate) Hz, more than the memory budget of \(memoryBudget >> 20) MiB (--max-memory)", path: path)
        }
        if Double(reader.declaredFrameCount ?? 0) * ratio > Double(limit) {
            throw SFConvError("kernel is too long at \(rate) Hz: more than \(limit) frames once resampled", path: path)
        }
        var kernel = try reader.readAll(diagnostics: diagnostics, limit: limit)
        guard kernel.frameCount > 0 else {
            throw SFConvError("kernel has no frames", path: path)
        }
        if kernel.sampleRate != rate {
            guard resample else {
                throw SFConvError("kernel is at \(kernel.sampleRate) Hz but the input is at \(rate) Hz (resampling is off)", path: path)
            }
            let original = kernel.frameCount
            kernel = try Resampler.resampled(kernel, to: rate)
            diagnostics.note("resampled the kernel from \(reader.sampleRate) Hz to \(rate) Hz (\(original) → \(kernel.frameCount) frames) (\(path))")
        }
        return kernel
    }
}
