import ArgumentParser
import Foundation
import SFConv

struct Deconvolve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Turn a recorded sweep into an impulse response (one channel per recorded channel).",
        discussion: """
            RECORDING is what the microphone(s) picked up while SWEEP (from `sfconv sweep`) played: \
            it must start no later than the sweep and last at least as long as the sweep file (sweep \
            and silence), at the same sample rate. The recording is deconvolved by the sweep \
            (band-limited to the sweep's band), aligned so that the IR starts 5 ms before the direct \
            sound (the same cut for all channels, so their relative timing is kept), cut at --length \
            or where the decay meets the noise floor (Lundeby's method), faded over its last tenth \
            (at most 100 ms), and peak-normalised to -1 dBFS.

            An exponential sweep places each harmonic distortion product's response before the \
            linear one (the k-th L·ln k seconds before it); they are left out of OUT. With \
            --keep-harmonics, the first --harmonics of them (2nd, 3rd, …) are written to DIR as \
            harmonic-K files, scaled like OUT, so their level shows the distortion.

            Reports the noise floor (dBFS of OUT), the peak-to-noise ratio and the broadband RT60 \
            (T30, or T20 when the decay range is too short) per channel on standard error, and with \
            --json also as JSON on standard output. OUT can be used by `sfconv reverb` as it is.

            Examples:
              sfconv deconvolve recording.wav sweep.wav room-ir.wav
              sfconv deconvolve recording.wav sweep.wav room-ir.flac --length 1.5
              sfconv deconvolve recording.wav sweep.wav room-ir.wav --keep-harmonics distortion/ --harmonics 3 --json
            """)

    @Argument(help: "The recording of the sweep.")
    var recording: String

    @Argument(help: "The sweep that was played (its first channel is used).")
    var sweep: String

    @Argument(help: "The impulse response to write.")
    var output: String

    @Option(help: ArgumentHelp("Length of the IR in seconds, or 'auto': where the decay meets the noise floor.", valueName: "seconds|auto"))
    var length: String = "auto"

    @Option(help: ArgumentHelp("How many harmonic distortion products --keep-harmonics writes (2nd, 3rd, …), 1 to 16.", valueName: "count"))
    var harmonics: Int = 4

    @Option(help: ArgumentHelp("Write the harmonic distortion products' responses to this folder (created if missing).", valueName: "dir"))
    var keepHarmonics: String?

    @Flag(help: "Print the report as JSON on standard output.")
    var json = false

    @OptionGroup var outputOptions: OutputOptionGroup

    var irLength: IRLength {
        get throws {
            if length.lowercased() == "auto" { return .auto }
            guard let seconds = Numbers.parse(length), seconds > 0, seconds <= 600 else {
                throw ValidationError("--length takes 'auto' or seconds from 0 to 600, not '\(length)'")
            }
            return .seconds(seconds)
        }
    }

    func validate() throws {
        _ = try irLength
        guard (1...16).contains(harmonics) else { throw ValidationError("--harmonics must be from 1 to 16, not \(harmonics)") }
    }

    func run() throws {
        let options = outputOptions.options
        // Every destination is checked before the work.
        _ = try options.format(for: output, input: nil)
        if output != "-" { try SoundFileWriter.checkDestination(output, overwrite: options.overwrite) }
        let harmonicPaths = try keepHarmonics.map { folder in try prepareHarmonicFolder(folder) } ?? []

        let recorded = try SoundFileReader(path: recording).readAll(diagnostics: .standardError)
        let played = try SoundFileReader(path: sweep).readAll(diagnostics: .standardError)
        let measurement = try ImpulseMeasurement.measure(recording: recorded, sweep: played, length: try irLength,
                                                         harmonicCount: keepHarmonics == nil ? 0 : harmonics,
                                                         recordingPath: recording, sweepPath: sweep)
        if let (asked, kept) = measurement.shortened {
            StandardError.writeLine(label: .warning, String(format: "--length %@ is longer than the recording holds after the direct sound: the IR is %.3f s",
                                           Numbers.format(asked), kept))
        }
        try outputOptions.write(BufferSource(measurement.impulseResponse, description: "impulse response"), to: output, quiet: true)
        var written: [String] = []
        for (path, response) in zip(harmonicPaths, measurement.harmonics) {
            try outputOptions.write(BufferSource(response, description: "harmonic response"), to: path, quiet: true)
            written.append(path)
        }
        if written.count < min(harmonics, harmonicPaths.count) {
            StandardError.writeLine(label: .warning, "only \(written.count) of \(harmonics) harmonic responses fit before the linear one (a faster sweep or a recording that starts earlier leaves less room)")
        }

        let ir = measurement.impulseResponse
        let seconds = Double(ir.frameCount) / Double(ir.sampleRate)
        if json {
            let document = DeconvolveReport(output: output, sampleRate: ir.sampleRate, channels: ir.channelCount, lengthSeconds: seconds,
                                            startInRecordingSeconds: measurement.startInRecording,
                                            bandHz: [measurement.band.lowerBound, measurement.band.upperBound],
                                            sweepRateConstantSeconds: measurement.rateConstant, gainDB: measurement.gain,
                                            report: measurement.channels, harmonics: written)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(document), as: UTF8.self))
        }
        // The report on standard error in either case.
        StandardError.writeLine(String(format: "wrote %@: %d channel(s), %.3f s at %d Hz; direct sound %.1f ms after the sweep's start; sweep band %.0f–%.0f Hz",
                                       output, ir.channelCount, seconds, ir.sampleRate, (measurement.startInRecording + ImpulseMeasurement.lead) * 1000,
                                       measurement.band.lowerBound, measurement.band.upperBound))
        for report in measurement.channels {
            let rt60 = report.rt60.map { String(format: "%.3f s (%@)", $0, report.rt60Kind ?? "") } ?? "not measurable (decay range too short)"
            StandardError.writeLine(String(format: "channel %d: noise floor %.1f dBFS, peak-to-noise %.1f dB, RT60 %@, decay meets the noise after %.3f s",
                                           report.channel, report.noiseFloor, report.peakToNoise, rt60, report.lengthToNoise))
        }
        for path in written { StandardError.writeLine("wrote \(path)") }
    }

    /// Creates `folder` if needed and returns the harmonic files' paths, each checked as a destination.
    func prepareHarmonicFolder(_ folder: String) throws -> [String] {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) {
            guard isFolder.boolValue else { throw SFConvError("--keep-harmonics must name a folder, not a file", path: folder) }
        } else {
            do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
                throw SFConvError("cannot create the folder for --keep-harmonics: \(error.localizedDescription)", path: folder)
            }
        }
        let ext = URL(fileURLWithPath: output).pathExtension
        let suffix = ext.isEmpty || output == "-" ? (outputOptions.container?.rawValue ?? "wav") : ext
        let paths = (2..<(2 + harmonics)).map { URL(fileURLWithPath: folder).appendingPathComponent("harmonic-\($0).\(suffix)").path }
        for path in paths { try SoundFileWriter.checkDestination(path, overwrite: outputOptions.force) }
        return paths
    }
}

/// What `deconvolve --json` prints.
struct DeconvolveReport: Encodable {
    var output: String
    var sampleRate: Int
    var channels: Int
    var lengthSeconds: Double
    var startInRecordingSeconds: Double
    var bandHz: [Double]
    var sweepRateConstantSeconds: Double
    var gainDB: Double
    var report: [ImpulseMeasurement.ChannelReport]
    var harmonics: [String]

    enum CodingKeys: String, CodingKey {
        case output, sampleRate = "sample_rate", channels = "channel_count", lengthSeconds = "length_s"
        case startInRecordingSeconds = "start_in_recording_s", bandHz = "band_hz", sweepRateConstantSeconds = "sweep_rate_constant_s"
        case gainDB = "gain_db", report = "channels", harmonics
    }
}
