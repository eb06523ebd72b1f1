import ArgumentParser
import Foundation
import SFConv

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show container, encoding, channels, rate, length and peak level of audio files.",
        discussion: """
            Every sample is read, so the frame count is what the file really holds and the peak is exact.

            Examples:
              sfconv info voice.wav impulses/hall.flac
              sfconv info --json *.wav
              sfconv info --loudness episode.flac
            """)

    @Argument(help: "Audio files.")
    var files: [String]

    @Flag(help: "Print a JSON array, one object per file.")
    var json = false

    @Flag(help: "Also measure loudness (EBU R128 / ITU-R BS.1770): integrated LUFS, loudness range, true peak dBTP.")
    var loudness = false

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one file") }
    }

    func run() throws {
        var infos: [FileInfo] = []
        var failed = false
        for path in files {
            do {
                let info = try FileInfo.read(path: path, loudness: loudness, diagnostics: .standardError) { total in
                    ProgressBar(label: URL(fileURLWithPath: path).lastPathComponent, total: total)
                }
                infos.append(info)
                if !json { print(Self.text(info)) }
            } catch let error as SFConvError {
                StandardError.writeLine(label: .error, "\(error)")
                failed = true
            }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(infos), as: UTF8.self))
        }
        if failed { throw ExitCode(1) }
    }

    static func text(_ info: FileInfo) -> String {
        let peak = info.peakDBFS.map { String(format: "%.2f dBFS", $0) } ?? "-inf dBFS (silent)"
        let declared = info.declaredFrames.map { $0 == info.frames ? "" : " (header declares \($0))" } ?? " (header declares none)"
        return """
            \(info.path)
              container:   \(info.container)
              encoding:    \(info.subtype) (\(info.encoding))
              channels:    \(info.channels)
              sample rate: \(info.sampleRate) Hz
              frames:      \(info.frames)\(declared)
              duration:    \(String(format: "%.3f", info.duration)) s
              peak:        \(peak)
            """ + (info.loudness.map { "\n  loudness:    \($0.description)" } ?? "")
    }
}
