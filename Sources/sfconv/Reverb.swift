import ArgumentParser
import Foundation
import SFConv

extension Gain: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}

extension IRNormalization: ExpressibleByArgument {}
extension TailPolicy: ExpressibleByArgument {}

extension IRTrimStart: ExpressibleByArgument {
    public init?(argument: String) {
        if argument == "auto" {
            self = .auto
        } else if let ms = Double(argument), ms >= 0 {
            self = .milliseconds(ms)
        } else {
            return nil
        }
    }
}

struct Reverb: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Convolution reverb: IN through the impulse response IR, mixed with the dry signal.",
        discussion: """
            Output = dry·x + wet·(x ∗ h′), the wet path delayed by --predelay. h′ is the IR after \
            --ir-trim-start, --ir-length, --ir-reverse and normalisation, in that order. The full tail \
            is kept: N + predelay + K − 1 frames (or see --tail auto).

            Defaults: --dry 1 (0 dB), --wet -12dB, --predelay 0, --normalize-ir energy, --tail full, \
            dither on for 16-bit output. With energy normalisation every IR, at any sample rate, passes \
            white noise at unit power, so --wet is the reverb's level relative to the dry signal: \
            -12dB is a present but tasteful hall; -20dB is subtle; 0dB is a wash.

            The IR is resampled to IN's rate if needed. Channels as in `convolve`: a mono IR on any \
            input, a stereo IR on stereo (per channel) or mono input (mono to stereo), a 4-channel \
            true-stereo IR (L→L, L→R, R→L, R→R) on stereo input.

            Examples:
              sfconv reverb examples/voice.wav impulses/hall.flac voice-hall.wav
              sfconv reverb vocal.wav impulses/plate.flac out.wav --wet -16dB --predelay 30
              sfconv reverb drums.flac impulses/small-room.flac out.flac --dry 0.8 --wet 0.5 --tail auto
              sfconv reverb in.wav measured.wav out.wav --ir-trim-start auto --ir-length 2.5 --normalize -1
            """)

    @Argument(help: "The dry input audio file.")
    var input: String

    @Argument(help: "The impulse response: mono, stereo, or 4-channel true stereo.")
    var impulse: String

    @Argument(help: "The output file; its extension picks the container unless --format is given.")
    var output: String

    @Option(help: ArgumentHelp("Level of the reverb: linear (0.25) or decibels (-12dB).", valueName: "gain"))
    var wet: Gain = ReverbSettings.defaultWet

    @Option(help: ArgumentHelp("Level of the dry signal: linear (1) or decibels (0dB).", valueName: "gain"))
    var dry: Gain = ReverbSettings.defaultDry

    @Option(help: ArgumentHelp("Delay of the wet path in milliseconds.", valueName: "ms"))
    var predelay: Double = 0

    @Option(help: ArgumentHelp("IR scaling: energy (unit power per output channel, rate-independent), peak (largest sample 1) or none.", valueName: "rule"))
    var normalizeIr: IRNormalization = .energy

    @Flag(help: "Use the IR as it is (same as --normalize-ir none).")
    var noNormalizeIr = false

    @Option(help: ArgumentHelp("Keep the whole tail (full) or stop once the output stays under -96 dBFS after the input ends (auto).", valueName: "policy"))
    var tail: TailPolicy = .full

    @Option(help: ArgumentHelp("Drop the IR's leading silence: 'auto' (up to its direct sound) or milliseconds.", valueName: "auto|ms"))
    var irTrimStart: IRTrimStart?

    @Option(help: ArgumentHelp("Cut the IR to this many seconds, with a 10 ms fade.", valueName: "seconds"))
    var irLength: Double?

    @Flag(help: "Reverse the IR (after trimming and cutting).")
    var irReverse = false

    @Option(help: ArgumentHelp("Peak-normalise the output to this level in dBFS (two passes; '--normalize' alone means -1).", valueName: "dBFS"))
    var normalize: Double?

    @Flag(help: "No TPDF dither on 16-bit and 8-bit output.")
    var noDither = false

    @Flag(help: "Make an IR at another sample rate an error instead of resampling it.")
    var noResample = false

    @OptionGroup var outputOptions: OutputOptionGroup
    @OptionGroup var processing: ProcessingOptionGroup

    func run() throws {
        var request = ReverbRequest(inputPath: input, impulsePath: impulse, outputPath: output)
        request.settings.wet = wet
        request.settings.dry = dry
        request.settings.predelay = predelay
        request.settings.normalization = noNormalizeIr ? .none : normalizeIr
        request.settings.tail = tail
        request.settings.trimStart = irTrimStart
        request.settings.irLength = irLength
        request.settings.irReverse = irReverse
        request.normalizeOutput = normalize
        request.dither = !noDither
        request.resampleImpulse = !noResample
        request.output = outputOptions.options
        request.planning = processing.fftPlanning
        let summary = try request.run(diagnostics: processing.diagnostics, progress: processing.progressFactory)
        report(summary)
    }
}
