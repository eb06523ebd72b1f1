import Foundation
import SFConv
import SFConvTestSupport
import Testing

/// The writer's quantisation (round to nearest, full scale 2^(bits−1)) and `--precision auto`'s choice.
@Suite struct QuantisationTests {
    /// Values a fraction of a step off the grid come back as the nearest step, at every PCM width.
    @Test(arguments: [SampleSubtype.pcm8, .pcm16, .pcm24, .pcm32])
    func integerOutputRoundsToTheNearestStep(subtype: SampleSubtype) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let steps = Double(1 << (subtype.bitDepth - 1))
        let whole: [Double] = [0, 1, -1, 5, -5, 100, -100, steps / 2 - 3, -(steps / 2) + 3]
        let offsets: [Double] = [0, 0.3, -0.3, 0.49, -0.49, 0.51, -0.51]
        var values: [Sample] = [], expected: [Sample] = []
        for k in whole {
            for offset in offsets {
                values.append((k + offset) / steps)
                expected.append((k + offset).rounded() / steps)
            }
        }
        try writeAudio([values], to: folder.file("q.wav"), subtype: subtype)
        #expect(try readAudio(folder.file("q.wav")).channels[0] == expected)
    }

    /// Full scale is 2^(bits−1) steps: +1.0 is written as the largest code without counting as a
    /// clip; beyond ±1 is clamped and counted.
    @Test func fullScaleAndClipping() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("c.wav")
        let writer = try SoundFileWriter(path: path, format: OutputOptions(subtype: .pcm16).format(for: path, input: nil), channelCount: 1,
                                         sampleRate: 48000, overwrite: false)
        var samples: [Sample] = [1.0, -1.0, 1.5, -2.0, 0.5]
        try samples.withUnsafeMutableBufferPointer { try writer.write($0.baseAddress!, frameCount: 5) }
        try writer.commit()
        #expect(writer.clippedSampleCount == 2)
        #expect(try readAudio(path).channels[0] == [32767.0 / 32768, -1, 32767.0 / 32768, -1, 0.5])
    }

    /// Dither is skipped for a block within 1/16 step of the grid (what single-precision FFTs
    /// leave of an identity) and added to one that is really between steps.
    @Test func ditherSkipsBlocksOnTheGrid() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var generator = SeededGenerator(seed: 43)
        let codes = (0..<4096).map { _ in Double(Int.random(in: -30000...30000, using: &generator)) }
        func written(_ offset: Double) throws -> [Sample] {
            let path = folder.file("d\(offset).wav")
            let writer = try SoundFileWriter(path: path, format: OutputOptions(subtype: .pcm16).format(for: path, input: nil), channelCount: 1,
                                             sampleRate: 48000, overwrite: false, dither: true)
            var samples = codes.enumerated().map { (i, code) in (code + (i.isMultiple(of: 2) ? offset : -offset)) / 32768 }
            try samples.withUnsafeMutableBufferPointer { try writer.write($0.baseAddress!, frameCount: codes.count) }
            try writer.commit()
            return try readAudio(path).channels[0].map { $0 * 32768 }
        }
        #expect(try written(0) == codes)
        #expect(try written(0.01) == codes)
        let dithered = try written(0.2)
        #expect(dithered != codes)
        #expect(zip(dithered, codes).allSatisfy { abs($0 - $1) <= 2 }, "TPDF dither moves a sample by at most 2 steps")
    }

    /// A Double beyond float's range is an error on float output, not an infinity in the file.
    @Test func floatOutputRefusesSamplesBeyondFloatRange() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("big.wav")
        let writer = try SoundFileWriter(path: path, format: OutputOptions(subtype: .float).format(for: path, input: nil), channelCount: 1,
                                         sampleRate: 48000, overwrite: false)
        var samples: [Sample] = [0.5, 1e39]
        #expect(throws: SFConvError.self) { try samples.withUnsafeMutableBufferPointer { try writer.write($0.baseAddress!, frameCount: 2) } }
        writer.discard()
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    /// 8-bit PCM in every container that stores it, WAV's 64-bit cousins (unsigned 8-bit) included.
    @Test(arguments: ["wav", "w64", "rf64", "aiff", "caf", "flac"])
    func eightBitRoundTrips(container: String) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let values: [Sample] = [-1, -0.5, 0, 1.0 / 128, 0.5, 127.0 / 128]
        try writeAudio([values], to: folder.file("e.\(container)"), subtype: .pcm8)
        #expect(try readAudio(folder.file("e.\(container)")).channels[0] == values)
    }

    @Test func autoPrecisionFollowsTheOutputFormat() throws {
        func resolved(_ subtype: SampleSubtype, _ setting: PrecisionSetting = .auto) throws -> Precision {
            setting.resolved(for: try OutputOptions(subtype: subtype).format(for: "x.wav", input: nil))
        }
        #expect(try resolved(.pcm8) == .single)
        #expect(try resolved(.pcm16) == .single)
        #expect(try resolved(.float) == .single)
        #expect(try resolved(.pcm24) == .double)
        #expect(try resolved(.pcm32) == .double)
        #expect(try resolved(.double) == .double)
        #expect(try resolved(.pcm24, .single) == .single)
        #expect(try resolved(.pcm16, .double) == .double)
        let vorbis = try OutputOptions().format(for: "x.ogg", input: nil)
        #expect(PrecisionSetting.auto.resolved(for: vorbis) == .single)
    }
}
