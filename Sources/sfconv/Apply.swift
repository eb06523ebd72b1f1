import ArgumentParser
import Foundation
import SFConv

/// `--preset NAME|FILE` or `--chain "…"`: where a chain comes from.
struct ChainOptionGroup: ParsableArguments {
    @Option(help: ArgumentHelp("A preset: a name from the preset folders (see 'sfconv presets list') or a .toml file.", valueName: "name|file"))
    var preset: String?

    @Option(help: ArgumentHelp("An inline chain: TYPE:key=value:… effects separated by commas (see 'sfconv apply --help').", valueName: "chain"))
    var chain: String?

    /// The chain given, or nil when neither option is.
    func load() throws -> EffectChain? {
        if let preset { return try PresetLoader.load(path: try PresetLibrary.locate(preset)) }
        guard let chain else { return nil }
        let folders = [FileManager.default.currentDirectoryPath] + PresetLibrary.impulseFolders()
        do {
            return try InlineChain.parse(chain, searchFolders: folders)
        } catch {
            throw SFConvErrors(SFConvErrors.list(error).map { SFConvError("--chain \"\(chain)\": \($0.message)", path: $0.path) })
        }
    }
}

struct Apply: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a chain of effects (a preset or an inline chain) over IN in one streaming pass.",
        discussion: """
            Effects and their keys:
            \(EffectRegistry.help)

            Keys are the command-line option names in snake_case; gains are linear (0.5) or in \
            decibels (-6dB); times are seconds (1.5), milliseconds (250ms) or frames (48000f). Kernel \
            and impulse files are found relative to the preset's folder (the current folder for \
            --chain), then in the shipped impulses/.

            Inline chain grammar: effects separated by ',', each TYPE then ':key=value' parameters; \
            values are numbers, true/false or text. An eq's points use ';' between points and '/' \
            inside them: eq:points=100/+2;3000/-1.5. A channels matrix uses ';' between rows and \
            spaces or '/' between coefficients: channels:matrix=0.5/0.5.

            Every effect keeps its tail: the output is as long as the input plus each effect's delay \
            and tail. Filters are latency-compensated like 'sfconv filter'. Output format: --format \
            and --subtype win, then OUT's extension, then the preset's [output], then the input's.

            Examples:
              sfconv apply voice.wav out.wav --preset vocal-hall
              sfconv apply in.wav out.wav --preset my-presets/radio.toml --subtype pcm24
              sfconv apply in.wav out.wav --chain "highpass:cutoff=90,reverb:impulse=hall.flac:wet=-10dB,gain:db=-1.5"
              sfconv apply in.wav out.wav --chain "trim:start=0.5:end=10,pad:after=2,channels:to=mono"
              sfconv apply in.wav out.wav --preset telephone --dry-run
            """)

    @Argument(help: "The input audio file.") var input: String
    @Argument(help: "The output file.") var output: String
    @OptionGroup var chainOptions: ChainOptionGroup

    @Option(help: ArgumentHelp("Output channels after the chain: keep (default), mono (the mean) or stereo.", valueName: "layout"))
    var channels: ChannelLayout = .keep

    @Flag(help: "Print the resolved chain (parameters, kernel lengths, latency, tails) and the output's length; process nothing.")
    var dryRun = false

    @Flag(help: "No TPDF dither on 16-bit and 8-bit output.")
    var noDither = false

    @Option(help: BeforeAfterPlot.help) var plot: String?

    @OptionGroup var outputOptions: OutputOptionGroup
    @OptionGroup var normalization: NormalizeOptionGroup
    @OptionGroup var processing: ProcessingOptionGroup
    @OptionGroup var report: ReportOptionGroup

    func validate() throws {
        if (chainOptions.preset == nil) == (chainOptions.chain == nil) { throw ValidationError("give exactly one of --preset and --chain") }
    }

    func run() throws {
        var request = RenderRequest(inputPath: input, outputPath: output, chain: try chainOptions.load()!.with(channels).ending(with: normalization.effect))
        request.label = "apply"
        request.output = outputOptions.options
        request.dither = !noDither
        if dryRun {
            processing.configure(&request)
            print(try request.describe())
            return
        }
        try BeforeAfterPlot.check(plot, input: input, output: output, force: outputOptions.force)
        try processing.run(request, json: report.json)
        try BeforeAfterPlot.write(plot, input: input, output: output, force: outputOptions.force)
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
            for (index, entry) in chain.entries.enumerated() {
                print("  \(index + 1). \(entry.spec.summary)")
            }
            print("--- \(path)")
            print(try String(contentsOfFile: path, encoding: .utf8), terminator: "")
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate preset files as apply would, without an input; exit non-zero if any is invalid.",
            discussion: """
                Checks syntax, keys, types, ranges, combinations (band order, tap parity) and that every \
                referenced kernel and impulse file exists and is readable audio, and reports every \
                problem of each file. What depends on the input (a cutoff above its Nyquist \
                frequency) is checked by apply.
                """)
        @Argument(help: "Preset names or .toml files.") var presets: [String]
        func validate() throws { if presets.isEmpty { throw ValidationError("give at least one preset") } }
        func run() throws {
            var failed = false
            for preset in presets {
                do {
                    let path = try PresetLibrary.locate(preset)
                    try SFConvErrors.throwIfAny(PresetLoader.check(path: path) { ChainFiles(folders: $0) })
                    let chain = try PresetLoader.load(path: path)
                    print("ok: \(preset) (\(chain.entries.count) effect\(chain.entries.count == 1 ? "" : "s"))")
                } catch {
                    for problem in SFConvErrors.list(error) { StandardError.writeLine(label: .error, "\(problem)") }
                    failed = true
                }
            }
            if failed { throw ExitCode(1) }
        }
    }
}
