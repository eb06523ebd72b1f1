import ArgumentParser
import SFConv

struct Convolve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Convolve (or correlate) IN with KERNEL, exactly: no gain, no normalisation.",
        discussion: """
            Channels: a mono kernel applies to every channel; a kernel with IN's channel count applies \
            channel by channel; a mono IN with a C-channel kernel gives C channels; a stereo IN with a \
            4-channel kernel is true stereo (kernel order L→L, L→R, R→L, R→R).

            A kernel at another sample rate is resampled to IN's rate (libsoxr, very high quality).

            Modes follow scipy.signal.convolve: full gives N+K−1 frames, same gives N frames \
            (full[(K−1)/2 ..< (K−1)/2+N]), valid gives N−K+1 frames and needs K ≤ N.

            Precision: samples are carried as 64-bit floats and rounded once, to nearest, in the \
            writer. The FFTs are double precision for 24- and 32-bit PCM and 64-bit float output \
            (every 24-bit sample correctly rounded; a unit impulse gives the input back bit for bit), \
            single precision otherwise; --precision single|double overrides.

            Examples:
              sfconv convolve voice.wav kernel.wav out.wav
              sfconv convolve in.flac ir.wav out.flac --subtype pcm24
              sfconv convolve in.wav lowpass.wav out.wav --mode same
              sfconv convolve a.wav b.wav xcorr.wav --correlate --force
              sfconv convolve mix16.wav eq.wav out.flac --precision double
            """)

    @Argument(help: "The input audio file.")
    var input: String

    @Argument(help: "The kernel: an audio file whose samples are the filter taps.")
    var kernel: String

    @Argument(help: "The output file; its extension picks the container unless --format is given.")
    var output: String

    @Option(help: effectHelp("convolve", "mode", valueName: "full|same|valid")) var mode: String?
    @Flag(help: "Correlate instead of convolve (scipy.signal.correlate).") var correlate = false

    @Flag(help: "Make a kernel at another sample rate an error instead of resampling it.")
    var noResample = false

    @OptionGroup var outputOptions: OutputOptionGroup
    @Flag(help: "Add TPDF dither on 16-bit and 8-bit output (convolve adds none by default: exact math).")
    var dither = false

    @OptionGroup var processing: ProcessingOptionGroup
    @OptionGroup var report: ReportOptionGroup

    func run() throws {
        var effect = CommandLineEffect("convolve")
        effect.setText("kernel", kernel, as: "")
        effect.set("mode", mode)
        effect.set("correlate", correlate)
        var request = RenderRequest(inputPath: input, outputPath: output, chain: try effect.chain())
        request.label = "convolve"
        request.dither = dither
        request.resample = !noResample
        request.output = outputOptions.options
        try report.check(output: output)
        try processing.run(request, json: report.json)
    }
}
