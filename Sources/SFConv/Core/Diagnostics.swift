import Foundation

/// Where the library reports notes and warnings that do not stop the work
/// (a resampled kernel, a file shorter than its header says, clipped samples).
public struct Diagnostics: Sendable {
    /// `detail`: what only `--verbose` shows (or a later warning that it explains).
    public enum Level: String, Sendable { case detail, note, warning }

    private let sink: @Sendable (Level, String) -> Void

    public init(_ sink: @escaping @Sendable (Level, String) -> Void) {
        self.sink = sink
    }

    public func detail(_ message: String) { sink(.detail, message) }
    public func note(_ message: String) { sink(.note, message) }
    public func warning(_ message: String) { sink(.warning, message) }

    /// Writes `note: …` and `warning: …` lines to standard error; details as notes.
    public static let standardError = Diagnostics { level, message in
        StandardError.writeLine(label: level == .warning ? .warning : .note, message)
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

    /// The label of a message line, coloured where that helps.
    public enum Label: String, Sendable {
        case error, warning, note

        var colour: String {
            switch self {
            case .error: "\u{1B}[1;31m"
            case .warning: "\u{1B}[1;33m"
            case .note: "\u{1B}[36m"
            }
        }
    }

    /// Colour only on a terminal, and never when `NO_COLOR` is set (no-color.org) or `TERM=dumb`.
    public static let usesColour: Bool = {
        let environment = ProcessInfo.processInfo.environment
        return isatty(2) == 1 && (environment["NO_COLOR"] ?? "").isEmpty && environment["TERM"] != "dumb"
    }()

    /// `error: …`, `warning: …`, `note: …` on one line.
    public static func writeLine(label: Label, _ message: String) {
        let prefix = usesColour ? "\(label.colour)\(label.rawValue):\u{1B}[0m" : "\(label.rawValue):"
        writeLine("\(prefix) \(message)")
    }
}
