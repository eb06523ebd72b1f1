import Foundation
@testable import SFConv
import Testing

/// Loudness (libebur128) against FFmpeg's ebur128 filter (Fixtures/loudness_ffmpeg.json, written
/// by Fixtures/make_loudness_golden.sh).
@Suite struct LoudnessTests {
    struct Golden: Decodable {
        struct Figures: Decodable, Sendable { var name: String; var integrated: Double; var range: Double; var true_peak: Double }
        var files: [Figures]
    }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let golden: Golden = {
        let url = root.appendingPathComponent("Tests/SFConvTests/Fixtures/loudness_ffmpeg.json")
        return try! JSONDecoder().decode(Golden.self, from: Data(contentsOf: url))
    }()

    /// Integrated loudness and true peak within 0.1 LU / dB of FFmpeg on the shipped files.
    @Test(arguments: golden.files.filter { $0.name != "programme" })
    func shippedFilesAgreeWithFFmpeg(_ figures: Golden.Figures) throws {
        let measured = try Loudness.measure(path: Self.root.appendingPathComponent(figures.name).path)
        #expect(abs(measured.integrated - figures.integrated) <= 0.1, "\(figures.name): \(measured.description)")
        #expect(abs(measured.truePeak - figures.true_peak) <= 0.1, "\(figures.name): \(measured.description)")
    }

    /// A 58 s programme at three levels: integrated, range and true peak within 0.1 of FFmpeg.
    @Test func programmeAgreesWithFFmpegIncludingRange() throws {
        let figures = try #require(Self.golden.files.first { $0.name == "programme" })
        let voice = try SoundFileReader(path: Self.root.appendingPathComponent("examples/voice.wav").path).readAll(diagnostics: .silent)
        let meter = try LoudnessMeter(channelCount: 1, sampleRate: voice.sampleRate)
        for decibels in [-12.0, 0, -4, -12, 0, -4] {
            let gain = Sample(pow(10, decibels / 20))
            let scaled = voice.channels[0].map { $0 * gain }
            try meter.add(scaled, frameCount: scaled.count)
        }
        let measured = try meter.result()
        #expect(abs(measured.integrated - figures.integrated) <= 0.1, "\(measured.description)")
        #expect(abs(measured.range - figures.range) <= 0.1, "\(measured.description)")
        #expect(abs(measured.truePeak - figures.true_peak) <= 0.1, "\(measured.description)")
    }

    @Test func targetGainMeetsTheLoudnessOrStopsAtTheCeiling() {
        let measured = Loudness(integrated: -24, range: 5, truePeak: -6)
        #expect(LoudnessTarget(integrated: -16).gain(for: measured).decibels == 8)
        let limited = LoudnessTarget(integrated: -16, truePeakCeiling: -1).gain(for: measured)
        #expect(limited.decibels == 5 && limited.limitedBy?.contains("-19.0 LUFS instead of -16.0") == true)
        let silence = LoudnessTarget(integrated: -16).gain(for: Loudness(integrated: -.infinity, range: 0, truePeak: -.infinity))
        #expect(silence.decibels == 0 && silence.limitedBy != nil)
    }

    /// 7.1: the side channels (7, 8) count, as surrounds. A 0.3 sine at 1 kHz in them alone:
    /// FFmpeg's ebur128 reads -9.0 LUFS.
    @Test func sevenPointOneSideChannelsCount() throws {
        let rate = 48000, frames = 5 * rate
        let meter = try LoudnessMeter(channelCount: 8, sampleRate: rate)
        var interleaved = [Sample](repeating: 0, count: frames * 8)
        for n in 0..<frames {
            let value = Sample(0.3 * sin(2 * Double.pi * 1000 * Double(n) / Double(rate)))
            interleaved[n * 8 + 6] = value
            interleaved[n * 8 + 7] = value
        }
        try meter.add(interleaved, frameCount: frames)
        let measured = try meter.result()
        #expect(abs(measured.integrated + 9.0) <= 0.1, "\(measured.description)")
    }
}
