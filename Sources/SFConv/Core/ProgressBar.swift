import Foundation

/// A one-line progress bar on standard error, redrawn at most ten times a second. Draws nothing
/// when disabled (stderr is not a terminal, or `--quiet`).
public final class ProgressBar: @unchecked Sendable {
    private let label: String
    private let total: Int?
    private let enabled: Bool
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var drawn = false
    private let lock = NSLock()

    /// - Parameters:
    ///   - label: a short word or file name before the bar.
    ///   - total: units of work expected; nil when unknown (a counter is shown instead of a bar).
    ///   - enabled: false to draw nothing.
    public init(label: String, total: Int?, enabled: Bool = StandardError.isTerminal) {
        self.label = label
        self.total = total.flatMap { $0 > 0 ? $0 : nil }
        self.enabled = enabled
    }

    /// Reports `done` units finished so far.
    public func update(_ done: Int) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        guard now.timeIntervalSince(lastDraw) >= 0.1 else { return }
        lastDraw = now
        draw(done, elapsed: now.timeIntervalSince(start))
    }

    /// Reports `done` units with a custom text after the bar in place of the percentage and ETA.
    public func update(_ done: Int, detail: String) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        guard now.timeIntervalSince(lastDraw) >= 0.1 || done == total else { return }
        lastDraw = now
        let fraction = total.map { min(1, Double(done) / Double($0)) } ?? 0
        let filled = Int(fraction * 30)
        StandardError.write("\r\u{1B}[2K" + label + " [" + String(repeating: "#", count: filled) + String(repeating: ".", count: 30 - filled) + "] " + detail)
        drawn = true
    }

    /// Clears the bar's line.
    public func finish() {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        if drawn { StandardError.write("\r\u{1B}[2K") }
        drawn = false
    }

    private func draw(_ done: Int, elapsed: TimeInterval) {
        var line = "\r\u{1B}[2K" + label + " "
        if let total {
            let fraction = min(1, Double(done) / Double(total))
            let width = 30
            let filled = Int(fraction * Double(width))
            line += "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
            line += String(format: " %3d%%", Int(fraction * 100))
            if fraction > 0.02 {
                let remaining = elapsed / fraction * (1 - fraction)
                line += " ETA " + Self.clock(remaining)
            }
        } else {
            line += "\(done) done, " + Self.clock(elapsed)
        }
        StandardError.write(line)
        drawn = true
    }

    static func clock(_ seconds: TimeInterval) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
