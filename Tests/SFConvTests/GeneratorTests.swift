import Foundation
@testable import SFConv
import SFConvTestSupport
import Testing

@Suite struct SyntheticIRTests {
    /// Reverberation time from Schroeder's backward integration: the −5 to −25 dB slope, extrapolated to 60 dB.
    func t20(_ h: [Sample], rate: Int) -> Double {
        var energy = h.map { Double($0) * Double($0) }
        for i in stride(from: energy.count - 2, through: 0, by: -1) { energy[i] += energy[i + 1] }
        let total = energy[0]
        let decibels = energy.map { 10 * log10($0 / total + 1e-30) }
        let start = decibels.firstIndex { $0 <= -5 }!
        let end = decibels.firstIndex { $0 <= -25 }!
        return Double(end - start) / Double(rate) * 3
    }

    /// Crude filters, enough to compare bands: a 32-tap moving average (lows), a first difference (highs).
    func lows(_ h: [Sample]) -> [Sample] { (0..<h.count).map { i in h[max(0, i - 31)...i].reduce(0, +) / 32 } }
    func highs(_ h: [Sample]) -> [Sample] { (0..<h.count).map { i in i == 0 ? h[0] : h[i] - h[i - 1] } }

    @Test(arguments: [(SyntheticIR.Space.hall, 2.2), (.room, 0.4), (.plate, 1.5)])
    func decayMatchesTheRequestedTimeAndHighsDieSooner(space: SyntheticIR.Space, rt60: Double) throws {
        let ir = try SyntheticIR(rt60: rt60, space: space, channelCount: 2, sampleRate: 48000, seed: 5).render()
        #expect(ir.frameCount > Int(1.5 * rt60 * 48000))
        for channel in ir.channels {
            let low = t20(lows(channel), rate: 48000)
            let high = t20(highs(channel), rate: 48000)
            #expect(low > 0.85 * rt60 && low < 1.35 * rt60, "low-band T20 \(low) for RT60 \(rt60)")
            #expect(high < low, "high-band T20 \(high) ≥ low-band \(low)")
        }
    }

    @Test func directSoundFirstAndPeakBelowFullScale() throws {
        let ir = try SyntheticIR(rt60: 1.0, space: .hall, channelCount: 2, seed: 1).render()
        for channel in ir.channels {
            let peak = channel.map(abs).max()!
            #expect(abs(peak - 0.9) < 1e-6 || abs(channel[0]) > 0.5 * peak)
            #expect(abs(channel[0]) > 0.3 && channel[1..<200].allSatisfy { abs($0) < 0.1 * abs(channel[0]) })
        }
    }

    @Test func channelsAreDecorrelatedAndTrueStereoCrossPathsHaveNoDirectSound() throws {
        let stereo = try SyntheticIR(rt60: 1.0, space: .hall, channelCount: 2, seed: 2).render()
        let l: [Double] = stereo.channels[0].dropFirst(2000).map { Double($0) }
        let r: [Double] = stereo.channels[1].dropFirst(2000).map { Double($0) }
        let cross: Double = zip(l, r).map { $0 * $1 }.reduce(0, +)
        let energyL: Double = l.map { $0 * $0 }.reduce(0, +)
        let energyR: Double = r.map { $0 * $0 }.reduce(0, +)
        let correlation = cross / (energyL * energyR).squareRoot()
        #expect(abs(correlation) < 0.05)
        let trueStereo = try SyntheticIR(rt60: 1.0, space: .hall, channelCount: 4, seed: 2).render()
        #expect(trueStereo.channelCount == 4)
        #expect(abs(trueStereo.channels[0][0]) > 0.3 && abs(trueStereo.channels[3][0]) > 0.3)
        #expect(abs(trueStereo.channels[1][0]) < 1e-6 && abs(trueStereo.channels[2][0]) < 1e-6)
    }

    @Test func sameSeedSameIRAndBadParametersAreErrors() throws {
        let a = try SyntheticIR(rt60: 0.3, space: .room, seed: 9).render()
        #expect(a == (try SyntheticIR(rt60: 0.3, space: .room, seed: 9).render()))
        #expect(a != (try SyntheticIR(rt60: 0.3, space: .room, seed: 10).render()))
        #expect(throws: SFConvError.self) { try SyntheticIR(rt60: 0, space: .room).render() }
        #expect(throws: SFConvError.self) { try SyntheticIR(rt60: 1, space: .room, channelCount: 3).render() }
    }
}

@Suite struct ShippedFilesTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func impulsesAre24BitFLACAt48kHzAndSmall() throws {
        let folder = Self.repository.appendingPathComponent("impulses")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".flac") }.sorted()
        #expect(names == ["hall-true-stereo.flac", "hall.flac", "plate.flac", "small-room.flac"])
        var bytes = 0
        for name in names {
            let path = folder.appendingPathComponent(name).path
            let info = try FileInfo.read(path: path)
            #expect(info.sampleRate == 48000 && info.encoding == "pcm24" && info.container.hasPrefix("FLAC"))
            #expect(info.channels == (name.contains("true-stereo") ? 4 : 2))
            bytes += try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
        }
        #expect(bytes <= 6_000_000)
    }
}
