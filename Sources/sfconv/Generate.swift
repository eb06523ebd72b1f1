import ArgumentParser
import Foundation
import SFConv

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write test signals and synthetic impulse responses.",
        discussion: """
            Examples:
              sfconv generate sine tone.wav --frequency 1000 --amplitude -6dB --duration 2
              sfconv generate noise noise.flac --duration 10 --channels 2 --seed 7
              sfconv generate sweep sweep.wav --start 20 --end 20000 --duration 10
              sfconv generate impulse dirac.wav --duration 0.1
              sfconv generate ir hall.flac --rt60 2.2 --size hall --channels 2
            """,
        subcommands: [Sine.self, Noise.self, Sweep.self, Impulse.self, IR.self])
}

/// What every test signal takes: length, rate, channels, level, output options.
struct SignalOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Length in seconds.", valueName: "seconds"))
    var duration: Double = 1

    @Option(help: ArgumentHelp("Sample rate in Hz.", valueName: "Hz"))
    var rate: Int = 48000

    @Option(help: "Number of channels.")
    var channels: Int = 1

    @Option(help: ArgumentHelp("Peak level: linear (0.5) or decibels (-6dB), at most 1 (0 dB). Default -6dB; for impulse 1 (a unit impulse).", valueName: "gain"),
            transform: { text in
                do { return try Gain.parse(text, maximum: 1) } catch let error as SFConvError { throw ValidationError("--amplitude: \(error.message)") }
            })
    var amplitude: Gain?

    @OptionGroup var outputOptions: OutputOptionGroup

    @Flag(name: .shortAndLong, help: "No progress bar.")
    var quiet = false

    func validate() throws {
        guard duration.isFinite, duration > 0, duration <= 24 * 3600 else { throw ValidationError("--duration must be from 0 to 86400 seconds, not \(duration)") }
        guard (1000...768_000).contains(rate) else { throw ValidationError("--rate must be from 1000 to 768000 Hz, not \(rate)") }
        guard (1...64).contains(channels) else { throw ValidationError("--channels must be from 1 to 64, not \(channels)") }
    }

    func write(_ signal: TestSignal, to path: String) throws {
        let frames = max(1, try Numbers.frames(seconds: duration, rate: rate, "--duration"))
        // A unit impulse is the identity kernel; test tones leave headroom.
        let level = amplitude ?? (signal == .impulse ? Gain(decibels: 0) : Gain(decibels: -6))
        let source = signal.source(frameCount: frames, channelCount: channels, sampleRate: rate, amplitude: level.linear)
        try outputOptions.write(source, to: path, quiet: quiet)
    }
}

extension Generate {
    struct Sine: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A sine tone.")
        @Argument(help: "The output file.") var output: String
        @Option(help: ArgumentHelp("Frequency in Hz.", valueName: "Hz")) var frequency: Double = 1000
        @OptionGroup var signal: SignalOptions

        func validate() throws {
            guard frequency > 0, frequency < Double(signal.rate) / 2 else {
                throw ValidationError("--frequency must be above 0 and below half the rate (\(signal.rate / 2) Hz), not \(frequency)")
            }
        }

        func run() throws { try signal.write(.sine(frequency: frequency), to: output) }
    }

    struct Noise: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "White noise, reproducible from its seed.")
        @Argument(help: "The output file.") var output: String
        @Option(help: "Random seed: the same seed gives the same noise on any machine.") var seed: UInt64 = 1
        @OptionGroup var signal: SignalOptions

        func run() throws { try signal.write(.noise(seed: seed), to: output) }
    }

    struct Sweep: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "An exponential (logarithmic) sine sweep for impulse-response measurement.")
        @Argument(help: "The output file.") var output: String
        @Option(help: ArgumentHelp("Start frequency in Hz.", valueName: "Hz")) var start: Double = 20
        @Option(help: ArgumentHelp("End frequency in Hz.", valueName: "Hz")) var end: Double = 20000
        @OptionGroup var signal: SignalOptions

        func validate() throws {
            guard start > 0, end > start, end <= Double(signal.rate) / 2 else {
                throw ValidationError("need 0 < --start < --end ≤ half the rate (\(signal.rate / 2) Hz); got \(start) and \(end)")
            }
        }

        func run() throws { try signal.write(.sweep(start: start, end: end), to: output) }
    }

    struct Impulse: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A unit impulse (1.0, or --amplitude) at frame 0, then silence.")
        @Argument(help: "The output file.") var output: String
        @OptionGroup var signal: SignalOptions

        func run() throws { try signal.write(.impulse, to: output) }
    }

    struct IR: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A synthetic impulse response: direct sound, early reflections, decaying noise.",
            discussion: """
                The diffuse tail decays 60 dB in --rt60 seconds at mid frequencies, sooner at high \
                frequencies (how much sooner depends on --size), and is decorrelated between channels. \
                With 4 channels it is a true-stereo IR (L→L, L→R, R→L, R→R). Peak at -0.9 dBFS.
                """)
        @Argument(help: "The output file (FLAC is stored as 24-bit).") var output: String
        @Option(help: ArgumentHelp("Reverberation time at mid frequencies, seconds.", valueName: "seconds")) var rt60: Double = 2.0
        @Option(help: "Kind of space: room, hall or plate.") var size: SyntheticIR.Space = .hall
        @Option(help: "1, 2 or 4 (true stereo).") var channels: Int = 2
        @Option(help: ArgumentHelp("Sample rate in Hz.", valueName: "Hz")) var rate: Int = 48000
        @Option(help: ArgumentHelp("Length in seconds (default 1.5 × rt60).", valueName: "seconds")) var length: Double?
        @Option(help: "Random seed.") var seed: UInt64 = 1
        @OptionGroup var outputOptions: OutputOptionGroup

        func run() throws {
            let ir = try SyntheticIR(rt60: rt60, space: size, channelCount: channels, sampleRate: rate, length: length, seed: seed).render()
            try outputOptions.write(BufferSource(ir, description: "impulse response"), to: output, quiet: true)
        }
    }
}

extension SyntheticIR.Space: ExpressibleByArgument {}

extension OutputOptionGroup {
    /// Writes a generated source to `path` through the one render path (atomic, as every output).
    func write(_ source: FrameSource, to path: String, quiet: Bool) throws {
        let options = self.options
        let format = try options.format(for: path, input: nil)
        let output = RenderOutput(path: path, format: format, overwrite: options.overwrite, dither: false)
        _ = try Render.unprocessed(source, output: output, label: "generate") { label, total in
            ProgressBar(label: label, total: total, enabled: !quiet && StandardError.isTerminal)
        }
    }
}
