import Dispatch
import Foundation

/// Temporary output files that must not survive the process: removed on SIGINT, SIGTERM, SIGHUP
/// and SIGPIPE (a reader of our output or messages went away) before the process exits with
/// status 128 + the signal number, and by their writers on any error.
public enum TemporaryFiles {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var paths: Set<String> = []
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []
    nonisolated(unsafe) private static var finished = false

    /// The command's work is done and its outputs committed: a signal from now on changes nothing,
    /// and the process exits with the status its work earned.
    public static func markFinished() {
        lock.lock()
        finished = true
        lock.unlock()
    }

    public static func register(_ path: String) {
        lock.lock()
        defer { lock.unlock() }
        if sources.isEmpty { installSignalHandlers() }
        paths.insert(path)
    }

    public static func unregister(_ path: String) {
        lock.lock()
        paths.remove(path)
        lock.unlock()
    }

    /// Removes every temporary file still registered (before the process exits on an error).
    public static func removeAll() {
        lock.lock()
        defer { lock.unlock() }
        for path in paths { unlink(path) }
        paths.removeAll()
    }

    /// A hidden name in `target`'s folder for a file of this process's: `.NAME.sfconv-PID-TOKEN.TAG`,
    /// without NAME when it would make the name too long for the file system.
    public static func hiddenPath(beside target: String, tag: String) -> String {
        let url = URL(fileURLWithPath: target)
        let folder = url.deletingLastPathComponent().path
        let token = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let suffix = "sfconv-\(getpid())-\(token).\(tag)"
        let name = url.lastPathComponent
        return folder + (name.utf8.count + suffix.utf8.count + 2 <= 255 ? "/.\(name).\(suffix)" : "/.\(suffix)")
    }

    /// Writes `data` (a plot, a report) the way audio outputs are written: a temporary file beside
    /// `path`, every write checked, synced, and moved into place without replacing a file that
    /// appeared meanwhile unless `overwrite`.
    public static func writeAtomically(_ data: Data, to path: String, overwrite: Bool) throws {
        try SoundFileWriter.checkDestination(path, overwrite: overwrite)
        let file = try OutputFile(target: path, reportedPath: path)
        let written = data.isEmpty ? 0 : data.withUnsafeBytes { file.write($0.baseAddress!, count: $0.count) }
        guard written == data.count else { throw SFConvError("cannot write: \(file.failure ?? "short write")", path: path) }
        try file.commit(overwrite: overwrite)
    }

    /// Called with the lock held.
    private static func installSignalHandlers() {
        for signalNumber in [SIGINT, SIGTERM, SIGHUP, SIGPIPE] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                lock.lock()
                if finished {
                    lock.unlock()
                    return
                }
                for path in paths { unlink(path) }
                paths.removeAll()
                // Leave at once with the shell's convention for "ended by signal" (130 for SIGINT),
                // even where the signal is blocked in every thread (as some parents arrange).
                _exit(128 + signalNumber)
            }
            source.resume()
            sources.append(source)
        }
    }
}
