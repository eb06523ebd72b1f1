import ArgumentParser
import Foundation
import SFConv

struct Analyze: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Room-acoustic figures of an impulse response (ISO 3382-1), per band and broadband.",
        discussion: """
            Per band and broadband: T20, T30 and EDT from the Schroeder backward integral, \
            with the noise's mean power subtracted up to where the decay meets it and the decay \
            extrapolated after that point (Lundeby's method), and the r² of each line fit (below \
            0.99 flags a non-linear decay); C50 and C80 (dB), D50, the centre time Ts, and DRR (the \
            energy within ±2.5 ms of the peak against the rest, dB); the noise floor (dBFS) and the \
            time from the file's start to reach it. Time zero is the onset (the first sample within \
            20 dB of the peak). A decay time needs a decay range (the late decay's level at the \
            onset over the noise) of 45 dB for T30, 35 dB for T20, 20 dB for EDT: without it the \
            figure is left out ('-' in the table, null in JSON) and a note says why.

            Bands: Butterworth band-pass filters (6th order, IEC 61260 base-ten edges), octaves \
            from 125 Hz to 8 kHz (--bands octave, the default) or thirds from 100 Hz to 10 kHz \
            (--bands third); --bands none for broadband only. --json prints, per channel, \
            {"channel", "broadband": {...}, "bands": [{"center_hz", ...}], "noise_floor_db", \
            "length_to_noise_s", ...}: an object for a mono IR, an array for more channels. \
            Seconds and dB.

            Examples:
              sfconv analyze room-ir.wav
              sfconv analyze impulses/hall.flac --bands third
              sfconv analyze room-ir.wav --json > room.json
            """)

    @Argument(help: "The impulse response.")
    var impulse: String

    @Option(help: ArgumentHelp("Bands: octave (125 Hz–8 kHz), third (100 Hz–10 kHz) or none.", valueName: "bands"))
    var bands: BandSet = .octave

    @Flag(help: "Print JSON instead of the table.")
    var json = false

    func run() throws {
        let ir = try SoundFileReader(path: impulse).readAll(diagnostics: .standardError)
        guard ir.frameCount > 0 else { throw SFConvError("the impulse response is empty", path: impulse) }
        let results = try RoomAcoustics.analyze(ir, bands: bands, path: impulse)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let data = results.count == 1 ? try encoder.encode(results[0]) : try encoder.encode(results)
            print(String(decoding: data, as: UTF8.self))
            return
        }
        let seconds = Double(ir.frameCount) / Double(ir.sampleRate)
        for (index, result) in results.enumerated() {
            if index > 0 { print("") }
            print(Self.table(result, path: impulse, channelCount: results.count, rate: ir.sampleRate, seconds: seconds))
        }
    }

    static func table(_ result: ChannelAcoustics, path: String, channelCount: Int, rate: Int, seconds: Double) -> String {
        let which = channelCount > 1 ? ", channel \(result.channel) of \(channelCount)" : ""
        var lines = [String(format: "%@%@: %d Hz, %.3f s; peak %.1f dBFS at %.1f ms; noise floor %.1f dBFS, reached after %.3f s",
                            path, which, rate, seconds, result.peakLevel, result.peakTime * 1000, result.noiseFloor, result.lengthToNoise)]
        lines.append("band        T20 s  T30 s  EDT s  r² T30  C50 dB  C80 dB   D50  Ts ms  DRR dB  range dB")
        func cell(_ value: Double?, _ format: String, width: Int) -> String {
            let text = value.map { String(format: format, $0) } ?? "-"
            return String(repeating: " ", count: max(0, width - text.count)) + text
        }
        func row(_ label: String, _ p: DecayParameters) -> String {
            label.padding(toLength: 10, withPad: " ", startingAt: 0)
                + cell(p.t20, "%.3f", width: 7) + cell(p.t30, "%.3f", width: 7) + cell(p.edt, "%.3f", width: 7)
                + cell(p.t30R2, "%.4f", width: 8) + cell(p.c50, "%.1f", width: 8) + cell(p.c80, "%.1f", width: 8)
                + cell(p.d50, "%.2f", width: 6) + cell(p.ts.map { $0 * 1000 }, "%.0f", width: 7) + cell(p.drr, "%.1f", width: 8)
                + cell(p.decayRange, "%.0f", width: 10)
        }
        func label(_ centre: Double) -> String { centre >= 1000 ? Numbers.format(centre / 1000) + " kHz" : Numbers.format(centre) + " Hz" }
        var notes: [String] = []
        for band in result.bands {
            lines.append(row(label(band.centre), band.parameters))
            if let note = band.parameters.note { notes.append("  \(label(band.centre)): \(note)") }
        }
        lines.append(row("broadband", result.broadband))
        if let note = result.broadband.note { notes.append("  broadband: \(note)") }
        if !notes.isEmpty { lines += ["notes:"] + notes }
        return lines.joined(separator: "\n")
    }
}

extension BandSet: ExpressibleByArgument {}
