import ArgumentParser
import Foundation
import SFConv

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
            -12dB is a present but tasteful hall; -20dB is subtle; 0dB is a wash. Gains are linear \
            (0.25) or in decibels (-12dB, -12 dB).

            The IR is resampled to IN's rate if needed. Channels: a mono IR on any input, a stereo IR \
            on stereo (per channel) or mono input (mono to stereo), a 4-channel true-stereo IR (L→L, \
            L→R, R→L, R→R) on stereo input, or on mono input as both L and R (stereo out). \
            --channels mono|stereo then mixes the output down or up.

            Examples:
              sfconv reverb examples/voice.wav impulses/hall.flac voice-hall.wav
              sfconv reverb vocal.wav impulses/plate.flac out.wav --wet -16dB --predelay 30
              sfconv reverb drums.flac impulses/small-room.flac out.flac --dry 0.8 --wet 0.5 --tail auto
              sfconv reverb in.wav measured.wav out.wav --ir-trim-start auto --ir-length 2.5 --normalize -1
              sfconv reverb mono.wav impulses/hall-true-stereo.flac wide.wav --channels stereo
            """)

    @Argument(help: "The dry input audio file.")
    var input: String

    @Argument(help: "The impulse response: mono, stereo, or 4-channel true stereo.")
    var impulse: String

    @Argument(help: "The output file; its extension picks the container unless --format is given.")
    var output: String

    @Option(help: effectHelp("reverb", "wet", valueName: "gain")) var wet: String?
    @Option(help: effectHelp("reverb", "dry", valueName: "gain")) var dry: String?
    @Option(help: effectHelp("reverb", "predelay", valueName: "ms")) var predelay: String?
    @Option(help: effectHelp("reverb", "normalize_ir", valueName: "rule")) var normalizeIr: String?

    @Flag(help: "Use the IR as it is (same as --normalize-ir none).")
    var noNormalizeIr = false

    @Option(help: effectHelp("reverb", "tail", valueName: "policy")) var tail: String?
    @Option(help: effectHelp("reverb", "ir_trim_start", valueName: "auto|ms")) var irTrimStart: String?
    @Option(help: effectHelp("reverb", "ir_length", valueName: "seconds")) var irLength: String?
    @Flag(help: "Reverse the IR (after trimming and cutting).") var irReverse = false

    @Option(help: ArgumentHelp("Output channels: keep (default), mono (the mean) or stereo.", valueName: "layout"))
    var channels: ChannelLayout = .keep

    @OptionGroup var normalization: NormalizeOptionGroup

    @Flag(help: "No TPDF dither on 16-bit and 8-bit output.")
    var noDither = false

    @Flag(help: "Make an IR at another sample rate an error instead of resampling it.")
    var noResample = false

    @Option(help: BeforeAfterPlot.help) var plot: String?

    @OptionGroup var outputOptions: OutputOptionGroup
    @OptionGroup var processing: ProcessingOptionGroup
    @OptionGroup var report: ReportOptionGroup

    func run() throws {
        try BeforeAfterPlot.check(plot, input: input, output: output, force: outputOptions.force)
        var effect = CommandLineEffect("reverb")
        effect.setText("impulse", impulse, as: "")
        effect.set("wet", wet)
        effect.set("dry", dry)
        effect.set("predelay", predelay)
        if noNormalizeIr && normalizeIr != nil && normalizeIr != "none" {
            throw ValidationError("--no-normalize-ir contradicts --normalize-ir \(normalizeIr!)")
        }
        effect.set("normalize_ir", noNormalizeIr ? "none" : normalizeIr)
        effect.set("tail", tail)
        effect.set("ir_trim_start", irTrimStart)
        effect.set("ir_length", irLength)
        effect.set("ir_reverse", irReverse)
        var request = RenderRequest(inputPath: input, outputPath: output, chain: try effect.chain().with(channels).ending(with: normalization.effect))
        request.label = "reverb"
        request.dither = !noDither
        request.resample = !noResample
        request.output = outputOptions.options
        try processing.run(request, json: report.json)
        try BeforeAfterPlot.write(plot, input: input, output: output, force: outputOptions.force)
    }
}
