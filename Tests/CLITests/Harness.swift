import Foundation
import SFConvTestSupport

/// The result of one run of the built `sfconv` binary.
struct RunResult {
    var status: Int32
    var standardOutput: String
    var standardError: String

    /// Standard error's lines.
    var errorLines: [String] { standardError.split(separator: "\n").map(String.init) }
}

/// The built `sfconv` executable: next to the test bundle, or `$SFCONV_BIN`.
let sfconvBinary: String = {
    if let explicit = ProcessInfo.processInfo.environment["SFCONV_BIN"] { return explicit }
    var candidates: [URL] = [Bundle.main.bundleURL, URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()]
    candidates += Bundle.allBundles.map { $0.bundleURL.deletingLastPathComponent() }
    for folder in candidates {
        for candidate in [folder.appendingPathComponent("sfconv"), folder.deletingLastPathComponent().appendingPathComponent("sfconv")] {
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate.path }
        }
    }
    fatalError("cannot find the sfconv binary next to the tests; set SFCONV_BIN")
}()

/// Runs `sfconv` with `arguments`, waiting for it to end.
@discardableResult
func sfconv(_ arguments: String..., in folder: TemporaryFolder? = nil) throws -> RunResult {
    try sfconv(arguments, in: folder)
}

func sfconv(_ arguments: [String], in folder: TemporaryFolder? = nil, environment overrides: [String: String] = [:]) throws -> RunResult {
    try runProcess(sfconvBinary, arguments, in: folder, environment: overrides)
}

/// Runs `executable` with `arguments`, waiting for it to end, its output captured.
func runProcess(_ executable: String, _ arguments: [String], in folder: TemporaryFolder? = nil,
                environment overrides: [String: String] = [:], timeout: Double? = nil) throws -> RunResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let folder { process.currentDirectoryURL = URL(fileURLWithPath: folder.path) }
    var environment = ProcessInfo.processInfo.environment
    environment["XDG_CACHE_HOME"] = NSTemporaryDirectory() + "sfconv-test-cache"
    environment.merge(overrides) { $1 }
    process.environment = environment
    // Capture into files: nothing can block on a full pipe.
    let capture = NSTemporaryDirectory() + "sfconv-run-" + UUID().uuidString
    FileManager.default.createFile(atPath: capture + ".out", contents: nil)
    FileManager.default.createFile(atPath: capture + ".err", contents: nil)
    defer {
        try? FileManager.default.removeItem(atPath: capture + ".out")
        try? FileManager.default.removeItem(atPath: capture + ".err")
    }
    process.standardOutput = FileHandle(forWritingAtPath: capture + ".out")
    process.standardError = FileHandle(forWritingAtPath: capture + ".err")
    process.standardInput = FileHandle.nullDevice
    try process.run()
    if let timeout {
        // A run past its deadline is killed; its status then says so (SIGKILL).
        let pid = process.processIdentifier
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { if process.isRunning { kill(pid, SIGKILL) } }
    }
    process.waitUntilExit()
    let outputData = FileManager.default.contents(atPath: capture + ".out") ?? Data()
    let errorData = FileManager.default.contents(atPath: capture + ".err") ?? Data()
    return RunResult(status: process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus,
                     standardOutput: String(decoding: outputData, as: UTF8.self),
                     standardError: String(decoding: errorData, as: UTF8.self))
}
