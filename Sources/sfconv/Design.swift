import ArgumentParser
import Foundation
import SFConv

extension FilterType: ExpressibleByArgument {}
extension RemezType: ExpressibleByArgument {}
extension FrequencyScale: ExpressibleByArgument {}

/// The filter options shared by `design` and `filter`: the keys of the filter effects.
struct FilterOptionGroup: ParsableArguments {
    @Option(help: effectHelp("lowpass", "cutoff", valueName: "Hz")) var cutoff: String?
    @Option(help: effectHelp("bandpass", "low", valueName: "Hz")) var low: String?
    @Option(help: effectHelp("bandpass", "high", valueName: "Hz")) var high: String?
    @Option(help: ArgumentHelp("Number of taps (odd for highpass, bandstop and ramp). Default: long enough for −6 dB at each cutoff and 60 dB of stopband (see design --help); eq: the shortest from 255 that meets every point within ±0.5 dB; ramp: \(FilterSpec.defaultTaps). Required for remez and firls.", valueName: "N"))
    var taps: String?
    @Option(help: ArgumentHelp("rect, hann, hamming (default), blackman or kaiser; for ramp: ram-lak (default), shepp-logan, cosine, hamming, hann.", valueName: "name"))
    var window: String?
    @Option(help: ArgumentHelp("Kaiser window β, 0 to 100 (default 8.6).", valueName: "β")) var beta: String?
    @Option(help: ArgumentHelp("Transition width in Hz: with --attenuation, taps and β come from Kaiser's formula (scipy.signal.kaiserord).", valueName: "Hz"))
    var transition: String?
    @Option(help: ArgumentHelp("Stopband attenuation in dB, 1 to 300 (with --transition).", valueName: "dB")) var attenuation: String?
    @Option(help: ArgumentHelp("eq: the response as Hz:dB points, e.g. \"20:0,200:+3,2000:-2,12000:+4\".", valueName: "points"))
    var points: String?
    @Option(help: ArgumentHelp("remez, firls: band edges in Hz, in pairs, e.g. 0,4000,5000,24000.", valueName: "F0,F1,..."))
    var bands: String?
    @Option(help: ArgumentHelp("remez: the amplitude in each band (1,0); firls: at each band edge (1,1,0,0).", valueName: "D0,D1,..."))
    var desired: String?
    @Option(help: ArgumentHelp("remez, firls: one weight per band (default all 1).", valueName: "W0,W1,..."))
    var weights: String?
    @Option(name: .customLong("type"), help: "remez: bandpass (default), differentiator (amplitude D·f/rate) or hilbert.")
    var remezType: RemezType?
    @Flag(help: "Convert to minimum phase (cepstral method): energy first, little delay.") var minimumPhase = false

    /// Whether any filter option was given.
    var isGiven: Bool {
        [cutoff, low, high, taps, window, beta, transition, attenuation, points, bands, desired, weights].contains { $0 != nil }
            || remezType != nil || minimumPhase
    }

    /// The filter effect of `type` with these options (and `keepDelay`).
    func effect(_ type: FilterType, keepDelay: Bool = false) -> CommandLineEffect {
        var effect = CommandLineEffect(type.rawValue)
        for (key, value) in [("cutoff", cutoff), ("low", low), ("high", high), ("taps", taps), ("window", window), ("beta", beta),
                             ("transition", transition), ("attenuation", attenuation)] {
            effect.set(key, value)
        }
        effect.setText("points", points)
        effect.setText("bands", bands)
        effect.setText("desired", desired)
        effect.setText("weights", weights)
        effect.set("remez_type", remezType?.rawValue, as: "--type")
        effect.set("minimum_phase", minimumPhase)
        effect.set("keep_delay", keepDelay)
        return effect
    }
}

struct Design: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Design a FIR filter: write its taps, print them, or plot its response.",
        discussion: """
            lowpass, highpass, bandpass and bandstop equal scipy.signal.firwin(taps, cutoff, window, \
            pass_zero, scale=True, fs=rate) (window hamming unless given). With --transition and \
            --attenuation the taps and Kaiser β come from scipy.signal.kaiserord (taps made odd). With \
            neither --taps nor --transition the length meets a default spec: −6 dB (±0.5 dB) at each \
            cutoff and at least 60 dB of stopband from half a transition beyond it, the transition \
            being half the distance from the cutoff to 0 Hz, half the rate or the other cutoff \
            (Kaiser window, at most 65537 taps): highpass --cutoff 80 has 60 dB below 60 Hz.

            ramp is the Ram-Lak filter |f| of filtered backprojection (Kak & Slaney), optionally shaped \
            by a window on its frequency response. eq samples a response given as Hz:dB points, rising \
            in frequency (interpolated in dB over log frequency) like scipy.signal.firwin2.

            remez is the Parks–McClellan equiripple design, equal to scipy.signal.remez(taps, bands, \
            desired, weight=weights, fs=rate, type=type); firls the least-squares design, equal to \
            scipy.signal.firls(taps, bands, desired, weight=weights, fs=rate).

            A summary line on standard error gives the taps, the latency and what the filter \
            measures: its −6 dB points, its worst stopband attenuation, an eq's worst point, each \
            band's ripple. A warning says when the settings miss the cutoff (by more than 1 dB) or \
            the attenuation asked for, and how many taps would meet it.

            Examples:
              sfconv design lowpass --cutoff 8000 --taps 511 -o lowpass.wav --plot lowpass.svg
              sfconv design bandpass --low 300 --high 3400 --rate 16000 --taps 101 --window hann --print
              sfconv design highpass --cutoff 90 --transition 60 --attenuation 80 --json
              sfconv design ramp --taps 513 --window shepp-logan -o ramp.wav
              sfconv design eq --points "20:0,200:+3,2000:-2,12000:+4" --taps 1023 -o eq.wav --plot eq.svg
              sfconv design remez --bands 0,4000,5000,24000 --desired 1,0 --weights 1,10 --taps 101 --json
              sfconv design firls --bands 0,300,500,24000 --desired 0,0,1,1 --taps 2047 -o highpass.wav
              sfconv design remez --type hilbert --bands 100,23900 --desired 1 --taps 255 --print
            """)

    @Argument(help: "lowpass, highpass, bandpass, bandstop, ramp, eq, remez or firls (or --preset).")
    var type: FilterType?

    @Option(help: ArgumentHelp("Design the filter of a preset whose chain is one filter effect.", valueName: "name|file"))
    var preset: String?

    @Option(help: ArgumentHelp("Sample rate in Hz, 1 to 10000000.", valueName: "Hz"))
    var rate: Double = 48000

    @OptionGroup var filter: FilterOptionGroup

    @Option(name: .shortAndLong, help: ArgumentHelp("Write the taps as a mono float WAV at --rate (usable by convolve).", valueName: "kernel.wav"))
    var output: String?

    @Flag(help: "Print one coefficient per line.")
    var print = false

    @Flag(help: "Print the coefficients and the design parameters as JSON.")
    var json = false

    @Option(help: ArgumentHelp("Draw magnitude and group delay against frequency: SVG, or PNG for a name ending in .png.", valueName: "response.svg"))
    var plot: String?

    @Option(help: ArgumentHelp("The plot's frequency axis: log (default) or linear.", valueName: "scale"))
    var plotFrequency: FrequencyScale = .log

    @Flag(help: "Overwrite existing output files.")
    var force = false

    func validate() throws {
        if (type == nil) == (preset == nil) { throw ValidationError("give a filter type or --preset, not both or neither") }
        if output == nil && !print && !json && plot == nil {
            throw ValidationError("say where the filter goes: -o kernel.wav, --print, --json or --plot response.svg")
        }
        if [print, json, output == "-", plot == "-"].filter({ $0 }).count > 1 {
            throw ValidationError("only one of --print, --json, -o - and --plot - can write to standard output")
        }
        guard rate.isFinite, rate >= 1, rate <= 10_000_000 else { throw ValidationError("--rate must be from 1 to 10000000 Hz, not \(rate)") }
        if output != nil && (rate != rate.rounded() || !SoundFileReader.rateRange.contains(Int(rate))) {
            throw ValidationError("-o writes a file at a whole sample rate from \(SoundFileReader.rateRange.lowerBound) to \(SoundFileReader.rateRange.upperBound) Hz, not --rate \(rate)")
        }
        if let output, output == plot { throw ValidationError("-o and --plot name the same file") }
        if preset != nil && filter.isGiven { throw ValidationError("--preset designs the preset's filter; give filter options or --preset, not both") }
    }

    func run() throws {
        // Every destination is checked before the design, which may take a while.
        for path in [output, plot].compactMap({ $0 }) { try SoundFileWriter.checkDestination(path, overwrite: force) }
        let entry = try filterEntry()
        guard let effect = entry.spec as? FilterEffect else {
            throw SFConvError("design --preset needs a preset of one filter effect, not \(entry.spec.kindName)")
        }
        let design: FilterDesign
        do {
            design = try effect.design(rate: rate)
        } catch {
            throw entry.placed(error)
        }
        if let output {
            let rate = try Numbers.whole(self.rate, "--rate", range: 1...10_000_000)
            let format = try OutputOptions(subtype: .float, overwrite: force).format(for: output, input: nil)
            let kernel = AudioBuffer(channels: [design.coefficients], sampleRate: rate)
            _ = try Render.unprocessed(BufferSource(kernel, description: "designed kernel"),
                                       output: RenderOutput(path: output, format: format, overwrite: force, dither: false), label: "design",
                                       progress: { _, _ in nil })
        }
        if let plot {
            let picture = plot.lowercased().hasSuffix(".png")
                ? try ResponsePicture.png(for: design, frequencyScale: plotFrequency)
                : Data(try ResponsePlot.svg(for: design, frequencyScale: plotFrequency).utf8)
            try TemporaryFiles.writeAtomically(picture, to: plot, overwrite: force)
        }
        if print {
            Swift.print(design.coefficients.map(Self.coefficientText).joined(separator: "\n"))
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            Swift.print(String(decoding: try encoder.encode(design), as: UTF8.self))
        }
        // The summary once everything is written: a failed write reports only its error.
        try flushStandardOutput()
        StandardError.writeLine(design.summaryLine)
        for warning in design.warnings { StandardError.writeLine(label: .warning, warning) }
    }

    /// 12 significant digits; zero (of either sign) as `0`.
    static func coefficientText(_ value: Double) -> String {
        value == 0 ? "0" : String(format: "%.12g", value)
    }

    /// The filter effect from the options, or from a one-filter preset.
    func filterEntry() throws -> ChainEntry {
        guard let preset else { return try filter.effect(type!).entry() }
        let chain = try PresetLoader.load(path: try PresetLibrary.locate(preset))
        guard chain.entries.count == 1, chain.entries[0].spec is FilterEffect else {
            throw SFConvError("design --preset needs a preset of one filter effect; '\(chain.name)' has \(chain.entries.map(\.spec.kindName).joined(separator: ", "))", path: chain.path)
        }
        return chain.entries[0]
    }
}

struct Filter: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Design a FIR filter at IN's sample rate and apply it.",
        discussion: """
            A linear-phase filter's delay of (taps − 1)/2 frames is removed, so OUT lines up with IN \
            and has its length; --keep-delay keeps the full convolution (N + taps − 1 frames). A \
            minimum-phase filter keeps its own small delay.

            Examples:
              sfconv filter in.wav out.wav lowpass --cutoff 8000
              sfconv filter podcast.flac clean.flac highpass --cutoff 80 --transition 40 --attenuation 60
              sfconv filter call.wav telephone.wav bandpass --low 300 --high 3400
              sfconv filter mix.wav warm.wav eq --points "100:+2,3000:-1.5,10000:+1" --taps 2047
            """)

    @Argument(help: "The input audio file.")
    var input: String

    @Argument(help: "The output file.")
    var output: String

    @Argument(help: "lowpass, highpass, bandpass, bandstop, ramp, eq, remez or firls.")
    var type: FilterType

    @OptionGroup var filter: FilterOptionGroup

    @Flag(help: "Keep the filter's delay and tail: the full convolution.")
    var keepDelay = false

    @Flag(help: "No TPDF dither on 16-bit and 8-bit output.")
    var noDither = false

    @Option(help: BeforeAfterPlot.help) var plot: String?

    @OptionGroup var outputOptions: OutputOptionGroup
    @OptionGroup var normalization: NormalizeOptionGroup
    @OptionGroup var processing: ProcessingOptionGroup
    @OptionGroup var report: ReportOptionGroup

    func run() throws {
        try BeforeAfterPlot.check(plot, input: input, output: output, force: outputOptions.force)
        var request = RenderRequest(inputPath: input, outputPath: output, chain: try filter.effect(type, keepDelay: keepDelay).chain().ending(with: normalization.effect))
        request.label = "filter"
        request.dither = !noDither
        request.output = outputOptions.options
        try report.check(output: output)
        try processing.run(request, json: report.json)
        try BeforeAfterPlot.write(plot, input: input, output: output, force: outputOptions.force)
    }
}
