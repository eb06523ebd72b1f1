import CSndFile
import Foundation

/// The temporary file an output is written into, and its commit.
///
/// libsndfile writes through this file's virtual I/O, so every write's result is seen here: the
/// FLAC and MP3 encoders do not report a full disk themselves. ``commit(overwrite:)`` syncs the
/// file, moves it into place — without `overwrite`, with `link` so that a file that appeared at
/// the target meanwhile is never replaced — and syncs the folder. A target of `-` is standard
/// output: the finished file is copied there.
final class OutputFile {
    /// The file the output becomes, or `-`.
    let target: String
    /// What messages name.
    let reportedPath: String
    let temporaryPath: String
    private var descriptor: Int32
    /// The first write error, in the system's words.
    private(set) var failure: String?

    static let standardOutput = "-"

    init(target: String, reportedPath: String) throws {
        self.target = target
        self.reportedPath = reportedPath
        temporaryPath = target == Self.standardOutput
            ? TemporaryFiles.hiddenPath(beside: NSTemporaryDirectory() + "/stdout", tag: "tmp")
            : TemporaryFiles.hiddenPath(beside: target, tag: "tmp")
        TemporaryFiles.register(temporaryPath)
        descriptor = open(temporaryPath, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            TemporaryFiles.unregister(temporaryPath)
            throw SFConvError("cannot create output: \(reason)", path: reportedPath)
        }
    }

    deinit { discard() }

    /// Opens libsndfile on this file for writing `info`.
    func openForWriting(_ info: inout SF_INFO) -> OpaquePointer? {
        var io = OutputFile.virtualIO
        return sf_open_virtual(&io, Int32(SFM_WRITE), &info, Unmanaged.passUnretained(self).toOpaque())
    }

    /// Removes the temporary file; the target is untouched.
    func discard() {
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
        unlink(temporaryPath)
        TemporaryFiles.unregister(temporaryPath)
    }

    /// Makes the finished temporary file the target. Call after libsndfile has closed it.
    /// `durable: false` skips the file's and folder's fsync (a batch syncs once at its end instead);
    /// the move into place stays atomic.
    func commit(overwrite: Bool, durable: Bool = true) throws {
        defer { discard() }
        if let failure { throw SFConvError("write failed: \(failure)", path: reportedPath) }
        guard !durable || fsync(descriptor) == 0 else { throw systemError("cannot write the output to disk") }
        guard close(descriptor) == 0 else { throw systemError("cannot finish the output") }
        descriptor = -1
        if target == Self.standardOutput { return try copyToStandardOutput() }
        if overwrite {
            guard rename(temporaryPath, target) == 0 else { throw systemError("cannot move the finished output into place") }
        } else if link(temporaryPath, target) != 0 {
            if errno == EEXIST { throw SFConvError("output file exists (written while this run was working); use --force to overwrite it", path: reportedPath) }
            // File systems without hard links: the check and the move are then two steps.
            var status = stat()
            guard [EPERM, ENOTSUP, EOPNOTSUPP].contains(errno), stat(target, &status) != 0, rename(temporaryPath, target) == 0 else {
                throw systemError("cannot move the finished output into place")
            }
        }
        if durable { syncFolder() }
    }

    private func systemError(_ what: String) -> SFConvError {
        SFConvError("\(what): \(String(cString: strerror(errno)))", path: reportedPath)
    }

    /// The move is durable once the folder's entry is on disk.
    private func syncFolder() {
        let folder = open(URL(fileURLWithPath: target).deletingLastPathComponent().path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard folder >= 0 else { return }
        fsync(folder)
        close(folder)
    }

    private func copyToStandardOutput() throws {
        let source = open(temporaryPath, O_RDONLY | O_CLOEXEC)
        guard source >= 0 else { throw systemError("cannot read the finished output") }
        defer { close(source) }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let got = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress!, $0.count) }
            if got == 0 { return }
            guard got > 0 else { throw systemError("cannot read the finished output") }
            var offset = 0
            while offset < got {
                let put = buffer.withUnsafeBytes { Foundation.write(1, $0.baseAddress! + offset, got - offset) }
                guard put > 0 else { throw SFConvError("cannot write to standard output: \(String(cString: strerror(errno)))") }
                offset += put
            }
        }
    }

    // MARK: - libsndfile's virtual I/O

    /// Writes `count` bytes at the current position; a failure is recorded (and fails the commit).
    func write(_ bytes: UnsafeRawPointer, count: Int) -> Int {
        var offset = 0
        while offset < count {
            let put = Foundation.write(descriptor, bytes + offset, count - offset)
            if put < 0 && errno == EINTR { continue }
            guard put > 0 else {
                if failure == nil { failure = put < 0 ? String(cString: strerror(errno)) : "the disk accepted no more data" }
                break
            }
            offset += put
        }
        return offset
    }

    private static func file(_ user: UnsafeMutableRawPointer?) -> OutputFile {
        Unmanaged<OutputFile>.fromOpaque(user!).takeUnretainedValue()
    }

    private static let virtualIO = SF_VIRTUAL_IO(
        get_filelen: { user in
            var status = stat()
            return fstat(file(user).descriptor, &status) == 0 ? sf_count_t(status.st_size) : -1
        },
        seek: { offset, whence, user in sf_count_t(lseek(file(user).descriptor, off_t(offset), whence)) },
        read: { buffer, count, user in
            let got = read(file(user).descriptor, buffer, Int(count))
            return sf_count_t(max(got, 0))
        },
        write: { bytes, count, user in sf_count_t(file(user).write(bytes!, count: Int(count))) },
        tell: { user in sf_count_t(lseek(file(user).descriptor, 0, SEEK_CUR)) })
}
