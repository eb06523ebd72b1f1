import Foundation
import SFConv
import SFConvTestSupport
import Testing

/// The in-memory library API against the naive Double convolution.
@Suite struct InMemoryTests {
    /// What `scipy.signal.convolve(x, h, mode)` returns, from the Double reference.
    func reference(_ x: [Sample], _ h: [Sample], mode: ConvolutionMode) -> [Double] {
        let full = directConvolution(x, h)
        switch mode {
        case .full: return full
        case .same:
            let start = (h.count - 1) / 2
            return Array(full[start..<start + x.count])
        case .valid:
            let shorter = min(x.count, h.count), longer = max(x.count, h.count)
            return Array(full[shorter - 1..<longer])
        }
    }

    static let sizes = [(1, 1), (1, 7), (7, 1), (100, 33), (33, 100), (1000, 1000), (5000, 257), (300, 4000), (64, 65)]

    @Test(arguments: ConvolutionMode.allCases, sizes)
    func convolveMatchesTheReference(mode: ConvolutionMode, size: (Int, Int)) throws {
        var generator = SeededGenerator(seed: UInt64(size.0 * 7919 + size.1))
        let x = randomSignal(size.0, using: &generator), h = randomSignal(size.1, using: &generator)
        let y = try Convolution.convolve(x, h, mode: mode)
        let expected = reference(x, h, mode: mode)
        #expect(y.count == expected.count, "\(mode) \(size): \(y.count) values, expected \(expected.count)")
        guard y.count == expected.count else { return }
        let (error, peak) = maximumError(y, expected)
        #expect(error <= 1e-5 * max(peak, 1), "\(mode) \(size): error \(error), peak \(peak)")
    }

    @Test func convolveRefusesEmptyAndNonFiniteArrays() {
        #expect(throws: SFConvError.self) { try Convolution.convolve([], [1]) }
        #expect(throws: SFConvError.self) { try Convolution.convolve([1, 2], []) }
        #expect(throws: SFConvError.self) { try Convolution.convolve([1, .nan], [1]) }
    }

    /// Feeds `input` (interleaved) in blocks cycling through `blocks` frames; returns all output.
    func stream(_ input: [Sample], channels: Int, blocks: [Int], process: ([Sample]) throws -> [Sample], flush: () throws -> [Sample]) rethrows -> [Sample] {
        var output: [Sample] = [], position = 0, index = 0
        let frames = input.count / channels
        while position < frames {
            let take = min(blocks[index % blocks.count], frames - position)
            output += try process(Array(input[position * channels..<(position + take) * channels]))
            position += take
            index += 1
        }
        return output + (try flush())
    }

    @Test(arguments: [[1], [7, 333, 1], [1001, 5, 4097], [65536]])
    func streamingConvolverMatchesTheReferenceForOddBlocks(blocks: [Int]) throws {
        var generator = SeededGenerator(seed: 42)
        let x = randomSignal(12_345, using: &generator), h = randomSignal(3001, using: &generator)
        let convolver = try Convolver(kernel: h)
        let y = try stream(x, channels: 1, blocks: blocks, process: convolver.process, flush: convolver.flush)
        let (error, peak) = maximumError(y, directConvolution(x, h))
        #expect(error <= 1e-5 * peak, "blocks \(blocks): error \(error), peak \(peak)")
        // After reset, the same signal gives the same output.
        convolver.reset()
        let again = try stream(x, channels: 1, blocks: [999], process: convolver.process, flush: convolver.flush)
        #expect(again.count == y.count && maximumError(again, directConvolution(x, h)).error <= 1e-5 * peak)
    }

    @Test func stereoConvolverAndTrueStereo() throws {
        var generator = SeededGenerator(seed: 9)
        let left = randomSignal(4000, using: &generator), right = randomSignal(4000, using: &generator)
        let kernel = (0..<4).map { _ in randomSignal(700, using: &generator) }
        let convolver = try Convolver(kernel: AudioBuffer(channels: kernel, sampleRate: 48000), inputChannelCount: 2)
        #expect(convolver.outputChannelCount == 2)
        let y = try stream(interleave([left, right]), channels: 2, blocks: [13, 1000], process: convolver.process, flush: convolver.flush)
        let routing = try ChannelRouting.resolve(inputChannels: 2, kernelChannels: 4, inputPath: "in", kernelPath: "k")
        let expected = directConvolution(input: [left, right], kernel: kernel, routing: routing)
        let channels = deinterleave(y, channelCount: 2)
        for c in 0..<2 {
            let (error, peak) = maximumError(channels[c], expected[c])
            #expect(error <= 1e-5 * peak, "channel \(c): error \(error)")
        }
        #expect(throws: SFConvError.self) { try convolver.process([1, 2, 3]) }
        _ = convolver.flush()
        #expect(throws: SFConvError.self) { try convolver.process([1, 2]) }
    }

    @Test func reverbInMemoryFollowsItsEquation() throws {
        var generator = SeededGenerator(seed: 3)
        let x = randomSignal(6001, using: &generator), h = randomSignal(2500, using: &generator)
        var settings = ReverbSettings()
        settings.normalization = .none
        settings.wet = Gain(linear: 0.4)
        settings.dry = Gain(linear: 0.7)
        settings.predelay = 10
        let reverb = try Reverb(impulse: AudioBuffer(channels: [h], sampleRate: 48000), settings: settings, inputChannelCount: 1)
        let y = try stream(x, channels: 1, blocks: [17, 2049], process: reverb.process, flush: reverb.flush)
        let delay = 480
        var expected = [Double](repeating: 0, count: x.count + delay + h.count - 1)
        for (i, v) in directConvolution(x, h).enumerated() { expected[i + delay] += 0.4 * v }
        for (i, v) in x.enumerated() { expected[i] += 0.7 * Double(v) }
        let (error, peak) = maximumError(y, expected)
        #expect(error <= 1e-5 * peak, "error \(error), peak \(peak)")
    }

    @Test func reverbSettingsOutOfRangeAreErrors() {
        var settings = ReverbSettings()
        settings.irLength = 0.0001
        let ir = AudioBuffer(channels: [[1, 0.5, 0.25]], sampleRate: 48000)
        #expect(throws: SFConvError.self) { try Reverb(impulse: ir, settings: settings, inputChannelCount: 1) }
        settings = ReverbSettings()
        settings.wet = Gain(linear: 10)
        #expect(throws: SFConvError.self) { try Reverb(impulse: ir, settings: settings, inputChannelCount: 1) }
        let threeChannels = AudioBuffer(channels: [[1], [1], [1]], sampleRate: 48000)
        #expect(throws: SFConvError.self) { try Reverb(impulse: threeChannels, inputChannelCount: 2) }
        #expect(throws: SFConvError.self) { try Reverb(impulse: AudioBuffer(channels: [[.nan]], sampleRate: 48000), inputChannelCount: 1) }
        #expect(throws: SFConvError.self) { try Reverb(impulse: ir, inputChannelCount: 1, sampleRate: 5) }
    }

    @Test(arguments: [false, true])
    func firFilterFromASpecIsTheDesignsConvolution(keepDelay: Bool) throws {
        var spec = FilterSpec(type: .lowpass)
        spec.cutoff = 3000
        spec.taps = 101
        let filter = try FIRFilter(spec: spec, channelCount: 2, sampleRate: 44100, keepDelay: keepDelay)
        #expect(filter.design.rate == 44100 && filter.design.taps == 101)
        var generator = SeededGenerator(seed: 5)
        let left = randomSignal(5000, using: &generator), right = randomSignal(5000, using: &generator)
        let y = try stream(interleave([left, right]), channels: 2, blocks: [3, 511], process: filter.process, flush: filter.flush)
        let taps = filter.design.coefficients.map { Sample($0) }
        for (c, x) in [left, right].enumerated() {
            let full = directConvolution(x, taps)
            let expected = keepDelay ? full : Array(full[50..<50 + x.count])
            let (error, peak) = maximumError(deinterleave(y, channelCount: 2)[c], expected)
            #expect(error <= 1e-5 * peak, "channel \(c): error \(error)")
        }
        // A design as a value gives the same filter.
        let same = try FIRFilter(design: filter.design, channelCount: 2, keepDelay: keepDelay)
        let z = try stream(interleave([left, right]), channels: 2, blocks: [4096], process: same.process, flush: same.flush)
        #expect(z == y)
    }

    @Test func firFilterSpecProblemsAreErrors() {
        var spec = FilterSpec(type: .lowpass)
        spec.cutoff = 30000
        #expect(throws: SFConvError.self) { try FIRFilter(spec: spec, channelCount: 1, sampleRate: 48000) }
        #expect(throws: SFConvError.self) { try FIRFilter(spec: FilterSpec(type: .lowpass), channelCount: 1, sampleRate: 48000) }
    }

    @Test func reverbResamplesAnImpulseAtAnotherRate() throws {
        var settings = ReverbSettings()
        settings.normalization = .none
        settings.dry = Gain(linear: 0)
        settings.wet = Gain(linear: 1)
        // A unit impulse at 44.1 kHz, used at 48 kHz: about 48000/44100 × its length, and a peak near 1.
        let ir = AudioBuffer(channels: [[1] + [Sample](repeating: 0, count: 4409)], sampleRate: 44100)
        let reverb = try Reverb(impulse: ir, settings: settings, inputChannelCount: 1, sampleRate: 48000)
        #expect(reverb.sampleRate == 48000)
        var x = [Sample](repeating: 0, count: 1000)
        x[100] = 1
        let y = try reverb.process(x) + reverb.flush()
        #expect(abs(y.count - (1000 + 4800 - 1)) <= 2, "\(y.count) frames")
        let peak = y.indices.max { abs(y[$0]) < abs(y[$1]) }!
        #expect(abs(peak - 100) <= 2 && abs(y[peak]) > 0.5, "peak \(y[peak]) at \(peak)")
    }
}
