import ArgumentParser
import Foundation
import SFConv

/// `--preset NAME|FILE` or `--chain "…"`: where a chain comes from.
struct ChainOptionGroup: ParsableArguments {
    @Option(help: ArgumentHelp("A preset: a name from the preset folders (see 'sfconv presets list') or a .toml file.", valueName: "name|file"))
    var preset: String?

    @Option(help: ArgumentHelp("An inline chain: TYPE:key=value:… effects separated by commas (see 'sfconv apply --help').", valueName: "chain"))
    var chain: String?

    func validate() throws {
        if (preset == nil) == (chain == nil) { throw ValidationError("give exactly one of --preset and --chain") }
    }

    func load() throws -> EffectChain {
        if let preset { return try PresetLoader.load(path: try PresetLibrary.locate(preset)) }
        let folders = [FileManager.default.currentDirectoryPath] + PresetLibrary.impulseFolders()
        do {
            return try InlineChain.parse(chain!, searchFolders: folders)
        } catch let error as SFConvError {
            throw SFConvError("--chain \"\(chain!)\": \(error.message.replacingOccurrences(of: "--chain: ", with: ""))")
        }
    }
}

struct Apply: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a chain of effects (a preset or an inline chain) over IN in one streaming pass.",
        discussion: """
            Effects: gain (db), delay (ms), lowpass/highpass (cutoff), bandpass/bandstop (low, high), \
            ramp, eq (points) with taps, window, beta, transition, attenuation, minimum_phase, keep_delay; \
            convolve (kernel, mode, correlate); reverb (impulse, wet, dry, predelay, normalize_ir, tail, \
            ir_trim_start, ir_length, ir_reverse); normalize (db, the last effect). Keys are the \
            command-line option names in snake_case. Kernel and impulse files are found relative to the \
            preset's folder (the current folder for --chain), then in the shipped impulses/.

            Inline chain grammar: effects separated by ',', each TYPE then ':key=value' parameters; \
            values are numbers, true/false or text; gains may be written -6dB. An eq's points use ';' \
            between points and '/' inside them: eq:points=100/+2;3000/-1.5.

            Every effect keeps its tail: the output is as long as the input plus each effect's delay \
            and tail. Filters are latency-compensated like 'sfconv filter'.

            Examples:
              sfconv apply voice.wav out.wav --preset vocal-hall
              sfconv apply in.wav out.wav --preset my-presets/radio.toml --subtype pcm24
              sfconv apply in.wav out.wav --chain "highpass:cutoff=90,reverb:impulse=hall.flac:wet=0.3,gain:db=-1.5"
              sfconv apply in.wav out.wav --preset telephone --dry-run
            """)

    @Argument(help: "The input audio file.") var input: String
    @Argument(help: "The output file.") var output: String
    @OptionGroup var chainOptions: ChainOptionGroup

    @Flag(help: "Print the resolved chain (parameters, kernel lengths, latency, tails) and the output's length; process nothing.")
    var dryRun = false

    @Flag(help: "No TPDF dither on 16-bit and 8-bit output.")
    var noDither = false

    @OptionGroup var outputOptions: OutputOptionGroup
    @OptionGroup var processing: ProcessingOptionGroup

    func run() throws {
        var request = ApplyRequest(inputPath: input, outputPath: output, chain: try chainOptions.load())
        request.output = outputOptions.options
        request.dither = !noDither
        request.planning = processing.fftPlanning
        if dryRun {
            print(try request.describe())
            return
        }
        report(try request.run(diagnostics: processing.diagnostics, progress: processing.progressFactory))
    }
}

struct Presets: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, show and check effect presets.",
        discussion: "Presets are found in: \(PresetLibrary.presetFolders.joined(separator: ", ")).",
        subcommands: [List.self, Show.self, Check.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Name and description of every preset found.")
        func run() throws {
            let presets = PresetLibrary.list()
            let width = presets.map(\.name.count).max() ?? 0
            for preset in presets {
                let text = preset.problem.map { "(does not load: \($0))" } ?? preset.description ?? ""
                print(preset.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + text)
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A preset's file and its resolved chain.")
        @Argument(help: "A preset name or .toml file.") var preset: String
        func run() throws {
            let path = try PresetLibrary.locate(preset)
            let chain = try PresetLoader.load(path: path)
            print("\(chain.name): \(chain.description ?? "")")
            print("file: \(path)")
            if chain.outputSubtype != nil || chain.outputContainer != nil {
                print("output: " + [chain.outputContainer?.rawValue, chain.outputSubtype?.rawValue].compactMap { $0 }.joined(separator: ", "))
            }
            for (index, effect) in chain.effects.enumerated() {
                print("  \(index + 1). \(describe(effect.effect))")
            }
            print("--- \(path)")
            print(try String(contentsOfFile: path, encoding: .utf8), terminator: "")
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Validate preset files; exit non-zero if any is invalid.")
        @Argument(help: "Preset names or .toml files.") var presets: [String]
        func validate() throws { if presets.isEmpty { throw ValidationError("give at least one preset") } }
        func run() throws {
            var failed = false
            for preset in presets {
                do {
                    let chain = try PresetLoader.load(path: try PresetLibrary.locate(preset))
                    print("ok: \(preset) (\(chain.effects.count) effect\(chain.effects.count == 1 ? "" : "s"))")
                } catch let error as SFConvError {
                    StandardError.writeLine("error: \(error)")
                    failed = true
                }
            }
            if failed { throw ExitCode(1) }
        }
    }
}

/// One line for an effect, its parameters as given.
func describe(_ effect: ChainEffect) -> String {
    switch effect {
    case .gain(let db): return "gain \(db) dB"
    case .delay(let ms): return "delay \(ms) ms"
    case .normalize(let level): return "normalize to \(level) dBFS"
    case .convolve(let kernel, let mode, let correlate): return "\(correlate ? "correlate" : "convolve") \(kernel) (mode \(mode.rawValue))"
    case .reverb(let impulse, let settings):
        return "reverb \(impulse): wet \(settings.wet), dry \(settings.dry), predelay \(settings.predelay) ms, \(settings.normalization.rawValue) normalisation, tail \(settings.tail.rawValue)"
    case .filter(let spec, let keepDelay):
        var parts = [spec.type.rawValue]
        if let cutoff = spec.cutoff { parts.append("cutoff \(cutoff) Hz") }
        if let low = spec.low, let high = spec.high { parts.append("\(low)–\(high) Hz") }
        if let taps = spec.taps { parts.append("\(taps) taps") }
        if let transition = spec.transition, let attenuation = spec.attenuation { parts.append("transition \(transition) Hz, \(attenuation) dB") }
        if let window = spec.window { parts.append("\(window) window") }
        if let points = spec.points { parts.append("points \(points)") }
        if spec.minimumPhase { parts.append("minimum phase") }
        if keepDelay { parts.append("keeping its delay") }
        return parts.joined(separator: ", ")
    }
}
