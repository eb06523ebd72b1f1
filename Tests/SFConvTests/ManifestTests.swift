import Foundation
@testable import SFConv
import SFConvTestSupport
import Testing

/// Manifest lines written directly are JSONSerialization's bytes for the same object.
@Suite struct ManifestTests {
    static func randomRecord(_ generator: inout SeededGenerator) -> AugmentationRecord {
        func maybe<T>(_ value: T) -> T? { Bool.random(using: &generator) ? value : nil }
        // Figures of every kind: whole numbers, tiny and huge ones, negative zero, zero gains.
        let doubles: [Double] = [0, -0.0, 1, 2.5, -6, 1e-7, 3.0e21, 0.1 + 0.2, -1234.5678, 1.0 / 3, 1e16, 123456789012]
        func figure() -> Double { Bool.random(using: &generator) ? doubles.randomElement(using: &generator)! : Double.random(in: -80...80, using: &generator) }
        let names = ["irs/a.wav", "d/é ü/ß.flac", "quote\"back\\slash", "tab\there\nnew\u{1}\u{1f}\u{7f}", "emoji 🎛️/x", "/abs/path/../y.wav", ""]
        var record = AugmentationRecord(wet: [0, 1, 0.25, Double.random(in: 0...4, using: &generator)].randomElement(using: &generator)!,
                                        dry: [0, 1, Double.random(in: 0...2, using: &generator)].randomElement(using: &generator)!)
        if Bool.random(using: &generator) {
            record.ir = names.randomElement(using: &generator)!
        } else if Bool.random(using: &generator) {
            record.syntheticIR = SyntheticIRParameters(model: "room", rt60: figure(), seed: UInt64.random(in: 0...UInt64.max, using: &generator),
                                                       channels: Int.random(in: 1...2, using: &generator), sampleRate: [16000, 44100, 48000].randomElement(using: &generator)!)
        }
        record.irChannel = maybe(Int.random(in: 0...3, using: &generator))
        record.rt60 = maybe(figure())
        record.drrDB = maybe(figure())
        record.snrDB = maybe(figure())
        record.noise = maybe(names.randomElement(using: &generator)!)
        record.noiseOffset = maybe(figure())
        record.targetPath = maybe(names.randomElement(using: &generator)!)
        record.gainDB = maybe(figure())
        record.frames = Int.random(in: 0...2_000_000, using: &generator)
        record.channels = Int.random(in: 1...8, using: &generator)
        record.sampleRate = [0, 8000, 16000, 22050, 48000].randomElement(using: &generator)!
        return record
    }

    @Test func directLinesAreTheSerializersBytes() throws {
        var generator = SeededGenerator(seed: 12)
        for index in 0..<400 {
            let record = Self.randomRecord(&generator)
            let output = ["out/u\(index).wav", "o/ü \"q\"/\\\(index)"].randomElement(using: &generator)!
            let seed = [0, 1, UInt64.max, UInt64.random(in: 0...UInt64.max, using: &generator)].randomElement(using: &generator)!
            let direct = Manifest.line(record: record, outputGiven: output, sourceGiven: "in/u\(index).wav", seed: seed, inputLine: nil)
            // An empty input line adds no keys, and takes JSONSerialization's path.
            let serialized = Manifest.line(record: record, outputGiven: output, sourceGiven: "in/u\(index).wav", seed: seed, inputLine: Data("{}".utf8))
            #expect(direct == serialized, "\(String(decoding: direct, as: UTF8.self))\n\(String(decoding: serialized, as: UTF8.self))")
            let object = try #require(try JSONSerialization.jsonObject(with: direct) as? [String: Any])
            #expect(Set(object.keys) == Set(Manifest.keys))
        }
    }

    @Test func aFigureThatIsNotFiniteGivesWhatTheSerializerGives() {
        var record = AugmentationRecord(wet: 0.5, dry: 1)
        record.snrDB = .infinity
        let direct = Manifest.line(record: record, outputGiven: "o.wav", sourceGiven: "i.wav", seed: 1, inputLine: nil)
        #expect(direct == Manifest.line(record: record, outputGiven: "o.wav", sourceGiven: "i.wav", seed: 1, inputLine: Data("{}".utf8)))
    }
}
