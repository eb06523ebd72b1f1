import ArgumentParser
import Foundation
import SFConv

@main
struct SFConvCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sfconv",
        abstract: "Convolution audio effects: reverb, FIR filters, effect chains and batches.",
        discussion: """
            Reads and writes WAV, FLAC, AIFF, CAF, W64, RF64, AU, Ogg Vorbis, Opus and MP3 (libsndfile). \
            Output files are written beside their target and moved into place only when complete; \
            an existing output is replaced only with --force.

            Examples:
              sfconv reverb voice.wav impulses/hall.flac voice-hall.wav
              sfconv filter in.wav out.wav lowpass --cutoff 8000
              sfconv design bandpass --low 300 --high 3400 --taps 255 -o kernel.wav --plot response.svg
              sfconv convolve in.wav kernel.wav out.wav --mode same
              sfconv apply in.wav out.wav --preset vocal-hall
              sfconv batch corpus/ out/ --preset telephone --recursive --jobs 8 --report report.json
              sfconv info --json in.wav
              sfconv info --loudness episode.flac

            Exit status: 0 success; 1 failure (an error: line says why, including a value an effect \
            rejects); 64 a command line the argument parser rejects (unknown, missing or contradicting \
            options); 130/143 interrupted by SIGINT/SIGTERM (no output left behind). \
            Messages are coloured on a terminal unless NO_COLOR is set.
            """,
        version: "0.1.0",
        subcommands: [Convolve.self, Reverb.self, Filter.self, Design.self, Apply.self, Batch.self, Presets.self, Generate.self, Info.self, Diff.self,
                      Sweep.self, Deconvolve.self, Analyze.self, Plot.self])

    /// Parses and runs, printing every failure as one `error: …` line with a non-zero exit.
    static func main() {
        do {
            try checkArgumentsAreUTF8()
            var command = try parseAsRoot(normalizedArguments(Array(CommandLine.arguments.dropFirst())))
            try command.run()
            try flushStandardOutput()
            TemporaryFiles.markFinished()
        } catch let error as SFConvError {
            fail([error])
        } catch let errors as SFConvErrors {
            fail(errors.errors)
        } catch let error as ExitCode {
            Foundation.exit(error.rawValue)
        } catch {
            if exitCode(for: error) == .success { exit(withError: error) }
            let message = self.message(for: error)
                .split(whereSeparator: \.isNewline).joined(separator: " ")
            StandardError.writeLine(label: .error, message.isEmpty ? "\(error)" : message)
            Foundation.exit(exitCode(for: error).rawValue)
        }
    }
}

/// Swift reads arguments as UTF-8, replacing bytes that are not: a file name in another encoding
/// would silently become another name. Such an argument is refused, its bytes shown escaped.
func checkArgumentsAreUTF8() throws {
    for index in 1..<max(1, Int(CommandLine.argc)) {
        guard let pointer = CommandLine.unsafeArgv[index], String(validatingCString: pointer) == nil else { continue }
        let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self), count: strlen(pointer))
        let escaped = bytes.map { $0 < 0x80 && $0 >= 0x20 ? String(UnicodeScalar($0)) : String(format: "\\x%02x", $0) }.joined()
        throw SFConvError("argument \(index) is not valid UTF-8: \(escaped); sfconv reads and writes file names in UTF-8 only (rename the file)")
    }
}

/// What was printed (coefficients, JSON, tables) must have reached standard output whole.
func flushStandardOutput() throws {
    if fflush(nil) != 0 { throw SFConvError("cannot write to standard output: \(String(cString: strerror(errno)))") }
}

/// Removes temporary files, prints each error as one `error:` line, and exits with status 1.
func fail(_ errors: [SFConvError]) -> Never {
    TemporaryFiles.removeAll()
    for error in errors { StandardError.writeLine(label: .error, "\(error)") }
    Foundation.exit(1)
}

/// Options that take a value when given alone.
private let defaultValues = ["--normalize": "-1"]

/// Joins `--wet -6dB` into `--wet=-6dB` (the parser would read `-6dB` as short flags: no command
/// takes a negative number as a positional argument), and gives `--normalize` without a level its
/// default.
func normalizedArguments(_ arguments: [String]) -> [String] {
    func looksNegative(_ token: String) -> Bool {
        guard token.hasPrefix("-"), token.count > 1 else { return false }
        let second = token[token.index(after: token.startIndex)]
        return second.isNumber || second == "."
    }
    var result: [String] = []
    var index = 0
    while index < arguments.count {
        let token = arguments[index]
        if token == "--" {
            result += arguments[index...]
            break
        }
        let next: String? = index + 1 < arguments.count ? arguments[index + 1] : nil
        if token.hasPrefix("--"), !token.contains("="), let next, looksNegative(next) {
            result.append("\(token)=\(next)")
            index += 2
            continue
        }
        if let value = defaultValues[token], next.map({ Double($0) == nil }) ?? true {
            result.append("\(token)=\(value)")
            index += 1
            continue
        }
        result.append(token)
        index += 1
    }
    return result
}

extension ConvolutionMode: ExpressibleByArgument {}
extension Container: ExpressibleByArgument {}
extension SampleSubtype: ExpressibleByArgument {}
extension FFTPlanning: ExpressibleByArgument {}
extension PrecisionSetting: ExpressibleByArgument {}

/// `--format`, `--subtype`, `--force`: shared by every command that writes a file.
struct OutputOptionGroup: ParsableArguments {
    @Option(name: .customLong("format"), help: "Output container (default: from OUT's extension).")
    var container: Container?

    @Option(help: "Output sample encoding (default: the input's, when the container can store it).")
    var subtype: SampleSubtype?

    @Flag(help: "Overwrite OUT if it exists.")
    var force = false

    var options: OutputOptions { OutputOptions(container: container, subtype: subtype, overwrite: force) }
}

/// `--quiet`, `--verbose`, `--fft-planning`: shared by every command that streams audio.
struct ProcessingOptionGroup: ParsableArguments {
    @Flag(name: .shortAndLong, help: "No progress bar and no notes; warnings and errors still print.")
    var quiet = false

    @Flag(name: .shortAndLong, help: "Also the details: a reverb's wet-path gains and the headroom a full-scale input needs (shown anyway when the output clips).")
    var verbose = false

    @Option(help: ArgumentHelp("FFTW planning: 'estimate' (instant; uses saved plans when there are any) or 'measure' (slower the first time for a kernel size, then saved in the user's cache).", valueName: "how"))
    var fftPlanning: FFTPlanning = .estimate

    @Option(help: ArgumentHelp("Arithmetic of the convolutions: 'single' (fastest; about 1e-7 of full scale), 'double' (correctly rounded at 24 bits), "
                               + "or 'auto': double for 24- and 32-bit PCM and 64-bit float output, single otherwise (default: auto, or the preset's [output] precision).",
                               valueName: "single|double|auto"))
    var precision: PrecisionSetting?

    @Option(help: ArgumentHelp("Partition size in frames of every convolution, a power of two from 64 to 262144 (default: chosen for each kernel's length).", visibility: .hidden))
    var blockSize: Int?

    @Option(help: ArgumentHelp("The most memory kernels and buffers may take: bytes, or with K, M, G (default: half the machine's memory).", valueName: "size"),
            transform: { text in
                guard let bytes = Numbers.bytes(text) else { throw ValidationError("--max-memory takes a size such as 512M or 2G, not '\(text)'") }
                return bytes
            })
    var maxMemory: Int = BindContext.defaultMemoryBudget

    func validate() throws {
        if quiet && verbose { throw ValidationError("--quiet and --verbose contradict each other; choose one") }
    }

    /// Warnings always; notes unless quiet; details with --verbose, else held until a clip explains them.
    var diagnostics: Diagnostics {
        let (quiet, verbose) = (quiet, verbose)
        return Diagnostics { level, message in
            switch level {
            case .warning: StandardError.writeLine(label: .warning, message)
            case .note where !quiet: StandardError.writeLine(label: .note, message)
            case .detail where verbose: StandardError.writeLine(label: .note, message)
            case .detail where !quiet: HeldDetails.shared.append(message)
            default: break
            }
        }
    }

    func progressBar(label: String, total: Int?) -> ProgressBar {
        ProgressBar(label: label, total: total, enabled: !quiet && StandardError.isTerminal)
    }

    /// Sets what every render takes from these options.
    func configure(_ request: inout RenderRequest) {
        request.planning = fftPlanning
        request.output.precision = precision
        request.blockSize = blockSize
        request.memoryBudget = maxMemory
    }

    /// Runs `request` with these options' diagnostics and progress, reports clipping (with the
    /// details that explain it) and, with `json`, prints the summary as JSON on standard output.
    func run(_ request: RenderRequest, json: Bool = false) throws {
        var request = request
        configure(&request)
        let summary = try request.run(diagnostics: diagnostics, progress: progressFactory)
        if let clipping = summary.clippingReport {
            StandardError.writeLine(label: .warning, clipping)
            for detail in HeldDetails.shared.take() { StandardError.writeLine(label: .note, detail) }
        }
        if json { try printJSON(RenderReport(request: request, summary: summary)) }
    }

    /// Progress bars for each pass of a render.
    var progressFactory: ProgressFactory {
        { label, total in progressBar(label: label, total: total) }
    }
}

/// `--json` of the commands that render one file.
struct ReportOptionGroup: ParsableArguments {
    @Flag(help: "Print what the render did as JSON on standard output (input, output, frames, peak, headroom, clipping, loudness).")
    var json = false

    /// `--json` and audio cannot share standard output.
    func check(output: String) throws {
        if json && output == "-" { throw ValidationError("--json prints on standard output, where OUT '-' writes the audio; write the audio to a file") }
    }
}

/// What `reverb`, `filter`, `apply` and `convolve` print with `--json` (README: "JSON reports").
struct RenderReport: Encodable {
    var input: String
    var output: String
    var inputFrames: Int
    var frames: Int
    var sampleRate: Int
    var channels: Int
    var durationS: Double
    var peakDBFS: Double?
    var headroomDB: Double?
    var clippedSamples: Int
    var precision: String?
    var loudness: Loudness?

    enum CodingKeys: String, CodingKey {
        case input, output, inputFrames, frames, sampleRate, channels, durationS, peakDBFS, headroomDB, clippedSamples, precision, loudness
    }

    init(request: RenderRequest, summary: RenderSummary) {
        input = request.inputPath
        output = request.outputPath
        inputFrames = summary.inputFrames
        frames = summary.outputFrames
        sampleRate = summary.sampleRate
        channels = summary.channelCount
        durationS = Double(summary.outputFrames) / Double(max(1, summary.sampleRate))
        let peak = Double(summary.peak)
        peakDBFS = peak > 0 ? 20 * log10(peak) : nil
        headroomDB = peakDBFS.map { -$0 }
        clippedSamples = summary.clippedSampleCount
        precision = summary.precision?.rawValue
        loudness = summary.loudness
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(input, forKey: .input)
        try c.encode(output, forKey: .output)
        try c.encode(inputFrames, forKey: .inputFrames)
        try c.encode(frames, forKey: .frames)
        try c.encode(sampleRate, forKey: .sampleRate)
        try c.encode(channels, forKey: .channels)
        try c.encode(durationS, forKey: .durationS)
        // null, not absent, where there is no figure (silence has no peak in dB).
        try c.encode(peakDBFS, forKey: .peakDBFS)
        try c.encode(headroomDB, forKey: .headroomDB)
        try c.encode(clippedSamples, forKey: .clippedSamples)
        try c.encode(precision, forKey: .precision)
        try c.encode(loudness, forKey: .loudness)
    }
}

/// Pretty, key-sorted JSON on standard output.
func printJSON<Value: Encodable>(_ value: Value) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

/// Details held back from a render without --verbose, printed if its output clips.
final class HeldDetails: @unchecked Sendable {
    static let shared = HeldDetails()
    private let lock = NSLock()
    private var messages: [String] = []

    func append(_ message: String) { lock.withLock { messages.append(message) } }
    func take() -> [String] { lock.withLock { defer { messages = [] }; return messages } }
}
