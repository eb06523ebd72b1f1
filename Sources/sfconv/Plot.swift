import ArgumentParser
import Foundation
import SFConv

extension AudioPlot.Kind: ExpressibleByArgument {}

struct Plot: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw an audio file as a PNG: a log-frequency spectrogram, a waveform, or both.",
        discussion: """
            The spectrogram shows levels in dB re full scale (a full-scale sine reads 0 dBFS) from \
            20 Hz to Nyquist on a logarithmic axis, over 100 dB, with a colour-bar legend; the \
            waveform shows the lowest and highest sample in each pixel column. --compare stacks a \
            second file below the first on the same time, frequency, level and amplitude scales. \
            Files of any length are read once, in blocks.

            Examples:
              sfconv plot voice.wav -o voice.png
              sfconv plot voice.wav -o voice.png --kind both --compare voice-hall.wav
            """)

    @Argument(help: "The audio file to draw.")
    var input: String

    @Option(name: .shortAndLong, help: ArgumentHelp("The PNG file to write.", valueName: "out.png"))
    var output: String

    @Option(help: ArgumentHelp("What to draw: a spectrogram, a waveform, or both.", valueName: "kind"))
    var kind: AudioPlot.Kind = .spectrogram

    @Option(help: ArgumentHelp("A second file (e.g. the wet version) drawn below the first on the same scales.", valueName: "file"))
    var compare: String?

    @Flag(help: "Overwrite OUT if it exists.")
    var force = false

    func run() throws {
        if compare == "-" && input == "-" { throw ValidationError("only one of IN and --compare can be standard input") }
        try AudioPlot.write([input] + (compare.map { [$0] } ?? []), to: output, kind: kind, overwrite: force, diagnostics: .standardError)
    }
}
