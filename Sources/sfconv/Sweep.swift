import ArgumentParser
import Foundation
import SFConv

struct Sweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write an exponential sine sweep for measuring a room, and optionally its inverse filter.",
        discussion: """
            The sweep rises from --start to --end Hz in --duration seconds at -6 dBFS, with half-Hann \
            fades at both ends, then --silence seconds of silence (make it longer than the room's \
            reverberation). Play it through the loudspeaker, record the microphone for the whole \
            file, then run `sfconv deconvolve RECORDING SWEEP IR.wav`.

            --inverse writes the inverse filter: the time-reversed sweep with an envelope falling \
            6 dB per octave, scaled so that sweep ∗ inverse is a unit impulse band-limited to \
            --start…--end (delayed by the sweep's length). It is stored as 32-bit float (WAV, W64, \
            CAF, AIFF, AU or RF64). `deconvolve` does not need it.

            Examples:
              sfconv sweep sweep.wav
              sfconv sweep sweep.wav --start 40 --end 16000 --duration 15 --silence 4 --inverse inverse.wav
              sfconv sweep sweep-st.flac --channels 2 --rate 44100
            """)

    @Argument(help: "The output file (the sweep, then the silence).")
    var output: String

    @Option(help: ArgumentHelp("Start frequency in Hz.", valueName: "Hz")) var start: Double = 20
    @Option(help: ArgumentHelp("End frequency in Hz, at most half the rate.", valueName: "Hz")) var end: Double = 20000
    @Option(help: ArgumentHelp("Length of the sweep in seconds, without the silence.", valueName: "seconds")) var duration: Double = 10
    @Option(help: ArgumentHelp("Sample rate in Hz.", valueName: "Hz")) var rate: Int = 48000
    @Option(help: ArgumentHelp("Fade-in in milliseconds.", valueName: "ms")) var fadeIn: Double = 50
    @Option(help: ArgumentHelp("Fade-out in milliseconds.", valueName: "ms")) var fadeOut: Double = 10
    @Option(help: ArgumentHelp("Silence after the sweep in seconds.", valueName: "seconds")) var silence: Double = 3
    @Option(help: "Number of (identical) channels, 1 to 64.") var channels: Int = 1
    @Option(help: ArgumentHelp("Also write the inverse filter here (mono, 32-bit float).", valueName: "file")) var inverse: String?
    @OptionGroup var outputOptions: OutputOptionGroup

    var sweep: ExponentialSweep {
        ExponentialSweep(start: start, end: end, duration: duration, sampleRate: rate, fadeIn: fadeIn / 1000, fadeOut: fadeOut / 1000, silence: silence)
    }

    func validate() throws {
        do { try sweep.validate() } catch let error as SFConvError { throw ValidationError(error.message) }
        guard (1...64).contains(channels) else { throw ValidationError("--channels must be from 1 to 64, not \(channels)") }
        if let inverse, inverse == output { throw ValidationError("--inverse must name another file than OUT") }
    }

    func run() throws {
        let sweep = self.sweep
        // The inverse's format is checked before anything is written.
        let inverseFormat = try inverse.map { path in
            let options = OutputOptions(container: nil, subtype: .float, overwrite: outputOptions.force)
            do { return try options.format(for: path, input: nil) } catch let error as SFConvError {
                throw SFConvError("--inverse: \(error.message) (the inverse filter needs 32-bit float samples)", path: path)
            }
        }
        let samples = sweep.samples()
        let buffer = AudioBuffer(channels: [[Sample]](repeating: samples, count: channels), sampleRate: rate)
        try outputOptions.write(BufferSource(buffer, description: "sweep"), to: output, quiet: true)
        if let inverse, let inverseFormat {
            let filter = AudioBuffer(channels: [sweep.inverseFilter()], sampleRate: rate)
            _ = try Render.unprocessed(BufferSource(filter, description: "inverse filter"),
                                       output: RenderOutput(path: inverse, format: inverseFormat, overwrite: outputOptions.force, dither: false),
                                       label: "inverse") { _, _ in nil }
        }
    }
}
