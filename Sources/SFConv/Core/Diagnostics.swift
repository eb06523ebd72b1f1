import Foundation

/// Where the library reports notes and warnings that do not stop the work
/// (a resampled kernel, a file shorter than its header says, clipped samples).
public struct Diagnostics: Sendable {
    public enum Level: String, Sendable { case note, warning }

    private let sink: @Sendable (Level, String) -> Void

    public init(_ sink: @escaping @Sendable (Level, String) -> Void) {
        self.sink = sink
    }

    public func note(_ message: String) { sink(.note, message) }
    public func warning(_ message: String) { sink(.warning, message) }

    /// Writes `note: …` and `warning: …` lines to standard error.
    public static let standardError = Diagnostics { level, message in
        StandardError.writeLine("\(level.rawValue): \(message)")
    }

    /// Drops everything (tests, `--quiet`).
    public static let silent = Diagnostics { _, _ in }
}

/// Unbuffered writes to file descriptor 2 (Swift 6 rejects the C global `stderr`).
public enum StandardError {
    public static func write(_ text: String) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in Foundation.write(2, raw.baseAddress! + offset, raw.count - offset) }
            if written <= 0 { return }
            offset += written
        }
    }

    public static func writeLine(_ text: String) { write(text + "\n") }

    public static var isTerminal: Bool { isatty(2) == 1 }
}
