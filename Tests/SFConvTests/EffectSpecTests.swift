import Foundation
@testable import SFConv
import SFConvTestSupport
import Testing

/// The effect kinds' declarations and validation, through the library: one check per value,
/// wherever it is written, every problem of an effect found in one pass.
@Suite struct EffectSpecTests {
    let here = ChainLocation(origin: .inlineChain, keyPath: "test")

    func values(_ pairs: [String: RawValue]) -> [String: PlacedValue] {
        pairs.mapValues { PlacedValue($0, at: ChainLocation(origin: .inlineChain, keyPath: "key")) }
    }

    func make(_ type: String, _ pairs: [String: RawValue]) throws -> any EffectSpec {
        try EffectRegistry.kind(named: type, at: here).make(values(pairs), at: here)
    }

    /// The messages of every problem `make` finds.
    func problems(_ type: String, _ pairs: [String: RawValue]) -> [String] {
        do {
            _ = try make(type, pairs)
            return []
        } catch {
            return SFConvErrors.list(error).map(\.message)
        }
    }

    @Test func everyKindIsRegisteredOnceWithDistinctKeys() {
        let names = EffectRegistry.names
        #expect(Set(names).count == names.count)
        for kind in EffectRegistry.kinds {
            #expect(Set(kind.keys).count == kind.keys.count, "\(kind.name)")
            #expect(kind.parameters.allSatisfy { !$0.help.isEmpty }, "\(kind.name)")
        }
        for name in ["gain", "delay", "pad", "trim", "channels", "lowpass", "highpass", "bandpass", "bandstop", "ramp", "eq",
                     "convolve", "reverb", "normalize"] {
            #expect(EffectRegistry.kind(named: name) != nil, "\(name)")
        }
    }

    @Test(arguments: [
        ("gain", ["db": RawValue.number(1e308)], "expected a gain from -120 to 60 dB"),
        ("gain", ["db": .number(.infinity)], "found the number inf"),
        ("gain", ["db": .text("loud")], "found the string \"loud\""),
        ("lowpass", ["cutoff": .number(1e308)], "more than the 10000000 Hz accepted"),
        ("lowpass", ["cutoff": .integer(-5)], "found -5"),
        ("lowpass", ["cutoff": .integer(100), "transition": .number(1e-15)], "transition' and 'attenuation' go together"),
        ("lowpass", ["cutoff": .integer(100), "beta": .integer(1000)], "a Kaiser β from 0 to 100, found 1000"),
        ("lowpass", ["cutoff": .integer(100), "taps": .integer(11), "transition": .integer(10), "attenuation": .integer(60)], "not both"),
        ("highpass", ["cutoff": .integer(100), "taps": .integer(256)], "odd number of taps, not 256"),
        ("bandpass", ["low": .integer(3400), "high": .integer(300)], "must be below 'high' (300 Hz), not 3400 Hz"),
        ("eq", ["points": .text("100:3:4")], "is not HZ:DB"),
        ("lowpass", ["cutoff": .integer(100), "window": .text("haming")], "unknown window 'haming' (did you mean 'hamming'?)"),
        ("reverb", ["impulse": .text("x.wav"), "wet": .integer(-12)], "(did you mean -12dB?)"),
        ("reverb", ["impulse": .text("x.wav"), "wet": .integer(5)], "expected a linear gain from 0 to 4"),
        ("reverb", ["impulse": .text("x.wav"), "ir_length": .number(1e300)], "expected a length in s from 0.001 to 600"),
        ("reverb", ["impulse": .text("x.wav"), "ir_trim_start": .text("soon")], "expected auto or a time in ms"),
        ("reverb", ["impulse": .text("x.wav"), "predelay": .integer(20000)], "expected a predelay in ms from 0 to 10000"),
        ("reverb", ["wet": .number(0.5)], "reverb needs 'impulse'"),
        ("delay", ["ms": .number(-1)], "expected a delay in ms from 0 to 60000"),
        ("trim", [:], "trim needs 'start' or 'end'"),
        ("pad", ["before": .text("3 parsecs")], "expected a time from 0 to 3600 s"),
        ("channels", ["to": .text("mono"), "pick": .integer(1)], "exactly one of 'to', 'pick' and 'matrix'"),
        ("channels", ["matrix": .text("1 0; 1")], "one number per input channel"),
        ("channels", ["pick": .integer(0)], "expected a channel number from 1 to 1024"),
        ("normalize", ["db": .integer(3)], "expected a peak level in dBFS from -120 to 0 dB"),
        ("convolve", ["kernel": .text("k.wav"), "mode": .text("sam")], "unknown mode 'sam' (did you mean 'same'?)"),
    ])
    func badValuesAreProblemsAtTheirKey(type: String, pairs: [String: RawValue], message: String) {
        let found = problems(type, pairs)
        #expect(found.contains { $0.contains(message) }, "\(found)")
    }

    /// Each problem is reported where its key was written, at parse time and at bind time.
    @Test func problemsArePlacedAtTheirKeys() throws {
        func at(_ key: String) -> ChainLocation { ChainLocation(origin: .preset(path: "p.toml"), line: key.count, keyPath: "effect[1].\(key)") }
        let typeLine = ChainLocation(origin: .preset(path: "p.toml"), line: 1, keyPath: "effect[1].type")
        let values = ["cutoff": PlacedValue(.integer(30000), at: at("cutoff")), "taps": PlacedValue(.integer(256), at: at("taps"))]
        let parse = SFConvErrors.list(try #require(throws: (any Error).self) { try ChainEntry.parse(type: "highpass", values: values, at: typeLine) })
        #expect(parse.map(\.message) == ["p.toml:4: effect[1].taps: a highpass passes half the rate and needs an odd number of taps, not 256"])
        let entry = try ChainEntry.parse(type: "highpass", values: ["cutoff": values["cutoff"]!], at: typeLine)
        let chain = EffectChain(name: "p", entries: [entry])
        let context = BindContext(channelCount: 1, sampleRate: 48000, inputPath: "in", files: ChainFiles(folders: []))
        let bind = try #require(throws: SFConvError.self) { try chain.bind(context) }
        #expect(bind.message == "p.toml:6: effect[1].cutoff: 30000 Hz must be below half the rate (24000 Hz)")
        let missing = try ChainEntry.parse(type: "reverb", values: ["impulse": PlacedValue(.text("nowhere.wav"), at: at("impulse"))], at: typeLine)
        let load = try #require(throws: SFConvError.self) { try EffectChain(name: "p", entries: [missing]).bind(context) }
        #expect(load.message.hasPrefix("p.toml:7: effect[1].impulse: no such file"), "\(load.message)")
    }

    @Test func everyProblemOfAnEffectIsFoundInOnePass() {
        let found = problems("lowpass", ["cutoff": .number(-1), "taps": .integer(0), "window": .text("gauss"), "colour": .text("red")])
        #expect(found.count == 4, "\(found)")
    }

    @Test func aMisspelledRequiredKeyIsOneProblemNotTwo() {
        let found = problems("lowpass", ["cutof": .integer(90)])
        #expect(found.count == 1 && found[0].contains("did you mean 'cutoff'?"), "\(found)")
    }

    @Test func gainsAreLinearOrDecibelsWherever() throws {
        let dB = try #require(try make("reverb", ["impulse": .text("x.wav"), "wet": .text("-6dB"), "dry": .text("-3 dB")]) as? ReverbEffect)
        #expect(abs(dB.settings.wet.decibels + 6) < 1e-9 && abs(dB.settings.dry.decibels + 3) < 1e-9)
        let linear = try #require(try make("reverb", ["impulse": .text("x.wav"), "wet": .number(0.5)]) as? ReverbEffect)
        #expect(linear.settings.wet.linear == 0.5)
        let gain = try #require(try make("gain", ["db": .text("-6dB")]) as? GainEffect)
        #expect(gain.decibels == -6)
        #expect(try Gain.parseRange("-20dB:-6dB") == pow(10, -1)...pow(10, -0.3))
        #expect(throws: SFConvError.self) { try Gain.parseRange("0.5:0.1") }
        #expect(throws: SFConvError.self) { try Gain.parse("-12") }
    }

    @Test func checkedConversionsRefuseWhatDoesNotFit() throws {
        #expect(try Numbers.whole(2.5e3, "x") == 2500)
        for value in [Double.nan, .infinity, 1e300, -1e300] {
            #expect(throws: SFConvError.self) { try Numbers.whole(value, "x") }
        }
        #expect(throws: SFConvError.self) { try Numbers.frames(seconds: 1e300, rate: 48000, "x") }
        #expect(TimeValue("250ms") == .seconds(0.25) && TimeValue("1.5") == .seconds(1.5) && TimeValue("48000f") == .frames(48000))
        #expect(TimeValue("48000 frames") == .frames(48000) && TimeValue("-1") == nil && TimeValue("soon") == nil)
        #expect(throws: SFConvError.self) { try FIRDesign.kaiserOrder(attenuation: 80, transition: 1e-14, rate: 48000) }
        #expect(Numbers.bytes("512M") == 512 << 20 && Numbers.bytes("2GiB") == 2 << 30 && Numbers.bytes("1000") == 1000)
        #expect(Numbers.bytes("-1G") == nil && Numbers.bytes("1e300T") == nil && Numbers.bytes("0x10") == nil)
    }

    @Test func chainOrderRules() throws {
        func entry(_ type: String, _ pairs: [String: RawValue]) throws -> ChainEntry {
            ChainEntry(spec: try make(type, pairs), location: here)
        }
        let misplaced = EffectChain(name: "x", entries: [try entry("normalize", [:]), try entry("gain", ["db": .integer(1)])])
        #expect(misplaced.orderProblems().first?.message.contains("normalize must be the last effect") == true)
        let long = EffectChain(name: "x", entries: Array(repeating: try entry("gain", ["db": .integer(0)]), count: EffectChain.maximumLength + 1))
        #expect(long.orderProblems().first?.message.contains("at most \(EffectChain.maximumLength)") == true)
    }

    /// Binds a chain to a mono or stereo input at 48 kHz and renders `input` through it.
    func render(_ chain: EffectChain, _ input: [[Sample]]) throws -> [[Sample]] {
        let context = BindContext(channelCount: input.count, sampleRate: 48000, inputPath: "in", files: ChainFiles(folders: []))
        let bound = try chain.bind(context)
        let processor = bound.makeProcessor()
        var output: [Sample] = []
        var frames = interleave(input)
        try frames.withUnsafeMutableBufferPointer { buffer in
            try processor.process(buffer.baseAddress!, count: input[0].count) { output += UnsafeBufferPointer(start: $0, count: $1 * processor.outputChannelCount) }
        }
        try processor.finish { output += UnsafeBufferPointer(start: $0, count: $1 * processor.outputChannelCount) }
        #expect(output.count / processor.outputChannelCount == bound.outputLength(forInput: input[0].count))
        return deinterleave(output, channelCount: processor.outputChannelCount)
    }

    @Test func trimPadAndChannelsDoWhatTheySay() throws {
        let ramp = (0..<100).map { Sample($0) }
        func chain(_ entries: [(String, [String: RawValue])]) throws -> EffectChain {
            EffectChain(name: "t", entries: try entries.map { ChainEntry(spec: try make($0.0, $0.1), location: here) })
        }
        let trimmed = try render(chain([("trim", ["start": .text("10f"), "end": .text("20f")])]), [ramp])
        #expect(trimmed == [Array(ramp[10..<20])])
        let padded = try render(chain([("pad", ["before": .text("3f"), "after": .text("2f")])]), [ramp])
        #expect(padded == [[0, 0, 0] + ramp + [0, 0]])
        let stereo = [ramp, ramp.map { -$0 / 2 }]
        #expect(try render(chain([("channels", ["to": .text("mono")])]), stereo) == [ramp.map { $0 / 4 }])
        #expect(try render(chain([("channels", ["pick": .integer(2)])]), stereo) == [stereo[1]])
        #expect(try render(chain([("channels", ["to": .text("stereo")])]), [ramp]) == [ramp, ramp])
        #expect(try render(chain([("channels", ["matrix": .text("0 1; 1 0; 1 1")])]), stereo) == [stereo[1], ramp, ramp.map { $0 / 2 }])
        #expect(throws: (any Error).self) { try render(chain([("channels", ["pick": .integer(3)])]), stereo) }
        #expect(throws: (any Error).self) { try render(chain([("trim", ["start": .text("20f"), "end": .text("10f")])]), [ramp]) }
    }
}
