import ArgumentParser
import Foundation
import SFConv

extension FilterType: ExpressibleByArgument {}

/// The filter specification shared by `design` and `filter`.
struct FilterOptionGroup: ParsableArguments {
    @Option(help: ArgumentHelp("lowpass, highpass: the cutoff (−6 dB) in Hz.", valueName: "Hz"))
    var cutoff: Double?

    @Option(help: ArgumentHelp("bandpass, bandstop: the lower band edge in Hz.", valueName: "Hz"))
    var low: Double?

    @Option(help: ArgumentHelp("bandpass, bandstop: the upper band edge in Hz.", valueName: "Hz"))
    var high: Double?

    @Option(help: ArgumentHelp("Number of taps (default \(FilterSpec.defaultTaps); odd for highpass, bandstop and ramp).", valueName: "N"))
    var taps: Int?

    @Option(help: ArgumentHelp("rect, hann, hamming (default), blackman or kaiser; for ramp: ram-lak (default), shepp-logan, cosine, hamming, hann.", valueName: "name"))
    var window: String?

    @Option(help: ArgumentHelp("Kaiser window β (default 8.6).", valueName: "β"))
    var beta: Double?

    @Option(help: ArgumentHelp("Transition width in Hz: with --attenuation, taps and β come from Kaiser's formula (scipy.signal.kaiserord).", valueName: "Hz"))
    var transition: Double?

    @Option(help: ArgumentHelp("Stopband attenuation in dB (with --transition).", valueName: "dB"))
    var attenuation: Double?

    @Option(help: ArgumentHelp("eq: the response as Hz:dB points, e.g. \"20:0,200:+3,2000:-2,12000:+4\".", valueName: "points"))
    var points: String?

    @Flag(help: "Convert to minimum phase (cepstral method): about half the taps, energy first, little delay.")
    var minimumPhase = false

    func spec(type: FilterType, rate: Double) -> FilterSpec {
        var spec = FilterSpec(type: type)
        spec.rate = rate
        spec.taps = taps
        spec.window = window
        spec.beta = beta
        spec.cutoff = cutoff
        spec.low = low
        spec.high = high
        spec.transition = transition
        spec.attenuation = attenuation
        spec.points = points
        spec.minimumPhase = minimumPhase
        return spec
    }
}

struct Design: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Design a FIR filter: write its taps, print them, or plot its response.",
        discussion: """
            lowpass, highpass, bandpass and bandstop equal scipy.signal.firwin(taps, cutoff, window, \
            pass_zero, scale=True, fs=rate). With --transition and --attenuation the taps and Kaiser β \
            come from scipy.signal.kaiserord (taps made odd). ramp is the Ram-Lak filter |f| of filtered \
            backprojection (Kak & Slaney), optionally shaped by a window on its frequency response. eq \
            samples a response given as Hz:dB points (interpolated in dB over log frequency) like \
            scipy.signal.firwin2.

            Examples:
              sfconv design lowpass --cutoff 8000 --taps 511 -o lowpass.wav --plot lowpass.svg
              sfconv design bandpass --low 300 --high 3400 --rate 16000 --taps 101 --window hann --print
              sfconv design highpass --cutoff 90 --transition 60 --attenuation 80 --json
              sfconv design ramp --taps 513 --window shepp-logan -o ramp.wav
              sfconv design eq --points "20:0,200:+3,2000:-2,12000:+4" --taps 1023 -o eq.wav --plot eq.svg
            """)

    @Argument(help: "lowpass, highpass, bandpass, bandstop, ramp or eq (or --preset).")
    var type: FilterType?

    @Option(help: ArgumentHelp("Design the filter of a preset whose chain is one filter effect.", valueName: "name|file"))
    var preset: String?

    @Option(help: ArgumentHelp("Sample rate in Hz.", valueName: "Hz"))
    var rate: Double = 48000

    @OptionGroup var filter: FilterOptionGroup

    @Option(name: .shortAndLong, help: ArgumentHelp("Write the taps as a mono float WAV at --rate (usable by convolve).", valueName: "kernel.wav"))
    var output: String?

    @Flag(help: "Print one coefficient per line.")
    var print = false

    @Flag(help: "Print the coefficients and the design parameters as JSON.")
    var json = false

    @Option(help: ArgumentHelp("Draw magnitude and group delay against log frequency as SVG.", valueName: "response.svg"))
    var plot: String?

    @Flag(help: "Overwrite existing output files.")
    var force = false

    func validate() throws {
        if (type == nil) == (preset == nil) { throw ValidationError("give a filter type or --preset, not both or neither") }
        if output == nil && !print && !json && plot == nil {
            throw ValidationError("say where the filter goes: -o kernel.wav, --print, --json or --plot response.svg")
        }
        if print && json { throw ValidationError("--print and --json both write to standard output; choose one") }
    }

    func run() throws {
        let design = try specification().design()
        if let output {
            let writer = try OutputOptions(subtype: .float, overwrite: force)
                .openWriter(path: output, input: nil, channelCount: 1, sampleRate: Int(rate.rounded()))
            var samples = design.coefficients.map(Float.init)
            try samples.withUnsafeMutableBufferPointer { try writer.write($0.baseAddress!, frameCount: $0.count) }
            try writer.commit()
        }
        if let plot {
            try writeAtomically(try ResponsePlot.svg(for: design), to: plot, overwrite: force)
        }
        if print {
            Swift.print(design.coefficients.map { String(format: "%.12g", $0) }.joined(separator: "\n"))
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            Swift.print(String(decoding: try encoder.encode(design), as: UTF8.self))
        }
    }
}

extension Design {
    func specification() throws -> FilterSpec {
        guard let preset else { return filter.spec(type: type!, rate: rate) }
        let chain = try PresetLoader.load(path: try PresetLibrary.locate(preset))
        guard chain.effects.count == 1, case .filter(var spec, _) = chain.effects[0].effect else {
            throw SFConvError("design --preset needs a preset of one filter effect; '\(chain.name)' has \(chain.effects.map(\.effect.typeName).joined(separator: ", "))", path: chain.path)
        }
        spec.rate = rate
        return spec
    }
}

/// Writes text to a temporary file beside `path`, then renames it into place.
func writeAtomically(_ text: String, to path: String, overwrite: Bool) throws {
    if FileManager.default.fileExists(atPath: path) && !overwrite {
        throw SFConvError("output file exists; use --force to overwrite it", path: path)
    }
    let url = URL(fileURLWithPath: path)
    let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).sfconv-\(getpid()).tmp")
    do {
        try Data(text.utf8).write(to: temporary)
        guard rename(temporary.path, path) == 0 else { throw SFConvError("cannot move the finished file into place: \(String(cString: strerror(errno)))", path: path) }
    } catch let error as SFConvError {
        unlink(temporary.path)
        throw error
    } catch {
        unlink(temporary.path)
        throw SFConvError("cannot write: \(error.localizedDescription)", path: path)
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

    @Argument(help: "lowpass, highpass, bandpass, bandstop, ramp or eq.")
    var type: FilterType

    @OptionGroup var filter: FilterOptionGroup

    @Flag(help: "Keep the filter's delay and tail: the full convolution.")
    var keepDelay = false

    @Flag(help: "No TPDF dither on 16-bit and 8-bit output.")
    var noDither = false

    @OptionGroup var outputOptions: OutputOptionGroup
    @OptionGroup var processing: ProcessingOptionGroup

    func run() throws {
        var request = FilterRequest(inputPath: input, outputPath: output, spec: filter.spec(type: type, rate: 48000))
        request.keepDelay = keepDelay
        request.dither = !noDither
        request.output = outputOptions.options
        request.planning = processing.fftPlanning
        report(try request.run(diagnostics: processing.diagnostics, progress: processing.progressFactory))
    }
}
