import Dispatch
import Foundation

/// Temporary output files that must not survive the process: removed on SIGINT, SIGTERM and
/// SIGHUP before the process exits with status 128 + the signal number, and by their writers on any error.
public enum TemporaryFiles {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var paths: Set<String> = []
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    static func register(_ path: String) {
        lock.lock()
        defer { lock.unlock() }
        if sources.isEmpty { installSignalHandlers() }
        paths.insert(path)
    }

    static func unregister(_ path: String) {
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

    /// Called with the lock held.
    private static func installSignalHandlers() {
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                lock.lock()
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
