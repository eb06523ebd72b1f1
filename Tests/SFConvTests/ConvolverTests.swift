import SFConv
import SFConvTestSupport
import Testing

/// The engine against a naive direct convolution in Double.
///
/// Tolerance: float32 FFT convolution reaches about 1e-6 of the output's peak; we require
/// max |y − reference| ≤ 1e-5 · peak (errors of a wrong partition, slot or channel are O(peak)).
/// In double precision about 1e-15 is reached; we require 1e-12 · peak.
@Suite struct ConvolverTests {
    static func tolerance(_ precision: Precision) -> Double { precision == .single ? 1e-5 : 1e-12 }

    /// Runs the convolver over `input`, feeding blocks of random sizes, and returns planar output.
    func convolve(_ input: [[Sample]], kernel: [[Sample]], blockSize: Int, seed: UInt64, maxFeed: Int = 5000,
                  precision: Precision = .single) throws -> [[Sample]] {
        let routing = try #require(ChannelRouting(inputChannels: input.count, kernelChannels: kernel.count))
        let plan = PartitionPlan(kernelLength: kernel[0].count, blockSize: blockSize)
        let convolver = try PartitionedConvolver(kernel: AudioBuffer(channels: kernel, sampleRate: 48000), routing: routing, plan: plan,
                                                 precision: precision)
        var generator = SeededGenerator(seed: seed)
        let interleaved = interleave(input)
        var collected: [Sample] = []
        let sink: (UnsafeMutablePointer<Sample>, Int) -> Void = { frames, count in
            collected.append(contentsOf: UnsafeBufferPointer(start: frames, count: count * routing.outputChannelCount))
        }
        var position = 0
        interleaved.withUnsafeBufferPointer { samples in
            while position < input[0].count {
                let feed = min(Int.random(in: 1...maxFeed, using: &generator), input[0].count - position)
                convolver.process(samples.baseAddress! + position * input.count, frameCount: feed, output: sink)
                position += feed
            }
        }
        convolver.finish(output: sink)
        #expect(convolver.outputFrameCount == input[0].count + kernel[0].count - 1)
        return deinterleave(collected, channelCount: routing.outputChannelCount)
    }

    func check(inputChannels: Int, kernelChannels: Int, signalLength: Int, kernelLength: Int, blockSize: Int, seed: UInt64,
               precision: Precision = .single) throws {
        var generator = SeededGenerator(seed: seed)
        let input = (0..<inputChannels).map { _ in randomSignal(signalLength, using: &generator) }
        let kernel = (0..<kernelChannels).map { _ in randomSignal(kernelLength, using: &generator) }
        let routing = try #require(ChannelRouting(inputChannels: inputChannels, kernelChannels: kernelChannels))
        let output = try convolve(input, kernel: kernel, blockSize: blockSize, seed: seed, precision: precision)
        let reference = directConvolution(input: input, kernel: kernel, routing: routing)
        #expect(output.count == reference.count)
        for channel in reference.indices {
            let (error, peak) = maximumError(output[channel], reference[channel])
            #expect(error <= Self.tolerance(precision) * peak,
                    "channel \(channel): error \(error) vs peak \(peak) (N=\(signalLength) K=\(kernelLength) B=\(blockSize) seed=\(seed) \(precision))")
        }
    }

    /// Signal lengths from one frame to many partitions, kernels from one tap to several partitions.
    @Test(arguments: [
        (1, 1), (1, 64), (5, 3), (64, 64), (65, 64), (200, 1), (1000, 63), (1000, 64), (1000, 65),
        (3000, 700), (20_000, 129), (70_000, 1000), (140_000, 300),
    ])
    func monoMatchesDirectConvolution(signalLength: Int, kernelLength: Int) throws {
        try check(inputChannels: 1, kernelChannels: 1, signalLength: signalLength, kernelLength: kernelLength,
                  blockSize: 64, seed: UInt64(signalLength * 7919 + kernelLength))
    }

    @Test(arguments: [64, 128, 512, 4096, 65536])
    func everyBlockSizeMatches(blockSize: Int) throws {
        try check(inputChannels: 1, kernelChannels: 1, signalLength: 9000, kernelLength: 2500, blockSize: blockSize, seed: UInt64(blockSize))
    }

    /// Kernels spanning many steps, so the input-spectrum ring wraps within one kernel. The input is
    /// sparse (a few hundred impulses of random height) to keep the direct reference fast.
    @Test(arguments: [(8192, 140_000), (32768, 140_000), (64, 70_000)])
    func kernelLongerThanManySteps(blockSize: Int, kernelLength: Int) throws {
        var generator = SeededGenerator(seed: UInt64(blockSize))
        var x = [Sample](repeating: 0, count: 300_000)
        for _ in 0..<200 { x[Int.random(in: x.indices, using: &generator)] = Sample.random(in: -1...1, using: &generator) }
        let h = randomSignal(kernelLength, using: &generator)
        let output = try convolve([x], kernel: [h], blockSize: blockSize, seed: 3, maxFeed: 100_000)
        let (error, peak) = maximumError(output[0], directConvolution(x, h))
        #expect(error <= Self.tolerance(.single) * peak)
    }

    /// The same convolver in double precision: lengths, block sizes and every channel rule.
    @Test(arguments: [
        (1, 1, 1, 1, 64), (1, 1, 1000, 65, 64), (1, 1, 20_000, 2500, 512), (1, 1, 9000, 9000, 65536),
        (2, 1, 5000, 900, 256), (1, 2, 5000, 900, 256), (2, 4, 5000, 900, 128), (3, 3, 3000, 300, 64),
    ])
    func doublePrecisionMatchesDirectConvolution(inputChannels: Int, kernelChannels: Int, signalLength: Int, kernelLength: Int, blockSize: Int) throws {
        try check(inputChannels: inputChannels, kernelChannels: kernelChannels, signalLength: signalLength, kernelLength: kernelLength,
                  blockSize: blockSize, seed: UInt64(signalLength + kernelLength), precision: .double)
    }

    /// A unit impulse gives back the input exactly in double precision once rounded to 24 bits
    /// (the error is far below half a step), and not always in single precision.
    @Test func unitImpulseRoundsBackToTwentyFourBitInput() throws {
        var generator = SeededGenerator(seed: 31)
        let steps = 8_388_608.0
        let x = (0..<20_000).map { _ in Double(Int.random(in: -8_000_000...8_000_000, using: &generator)) / steps }
        var kernel = [Sample](repeating: 0, count: 100)
        kernel[0] = 1
        func rounded(_ precision: Precision) throws -> [Sample] {
            try convolve([x], kernel: [kernel], blockSize: 64, seed: 2, precision: precision)[0].prefix(x.count).map { ($0 * steps).rounded() / steps }
        }
        #expect(try rounded(.double) == x)
        #expect(try rounded(.single) != x)
    }

    @Test(arguments: [
        (2, 1, "mono kernel on every channel"),
        (3, 3, "channel by channel"),
        (1, 2, "mono input to stereo"),
        (1, 4, "mono input to four channels"),
        (2, 4, "true stereo"),
    ])
    func channelRules(inputChannels: Int, kernelChannels: Int, rule: String) throws {
        try check(inputChannels: inputChannels, kernelChannels: kernelChannels, signalLength: 5000, kernelLength: 900,
                  blockSize: 256, seed: UInt64(inputChannels * 10 + kernelChannels))
    }

    @Test func trueStereoUsesTheDocumentedKernelOrder() throws {
        // Only h2 (R→L) is non-zero: the left output must be the right input delayed by 3.
        let left: [Sample] = [1, 0, 0, 0, 0]
        let right: [Sample] = [0, 2, 0, 0, 0]
        var kernel = [[Sample]](repeating: [0, 0, 0, 0], count: 4)
        kernel[2][3] = 1
        let output = try convolve([left, right], kernel: kernel, blockSize: 64, seed: 1)
        let expected: [Sample] = [0, 0, 0, 0, 2, 0, 0, 0]
        #expect(zip(output[0], expected).allSatisfy { abs($0 - $1) < 1e-6 }, "\(output[0])")
        #expect(output[1].allSatisfy { abs($0) < 1e-6 }, "\(output[1])")
    }

    @Test func unsupportedChannelCombinationsHaveNoRouting() {
        #expect(ChannelRouting(inputChannels: 2, kernelChannels: 3) == nil)
        #expect(ChannelRouting(inputChannels: 3, kernelChannels: 4) == nil)
        #expect(ChannelRouting(inputChannels: 4, kernelChannels: 2) == nil)
    }

    @Test func resetStartsANewSignal() throws {
        var generator = SeededGenerator(seed: 5)
        let x = randomSignal(3000, using: &generator)
        let h = randomSignal(300, using: &generator)
        let routing = try #require(ChannelRouting(inputChannels: 1, kernelChannels: 1))
        let convolver = try PartitionedConvolver(kernel: AudioBuffer(channels: [h], sampleRate: 48000), routing: routing,
                                                 plan: PartitionPlan(kernelLength: 300, blockSize: 128))
        func run() -> [Sample] {
            var out: [Sample] = []
            x.withUnsafeBufferPointer { convolver.process($0.baseAddress!, frameCount: x.count) { out += UnsafeBufferPointer(start: $0, count: $1) } }
            convolver.finish { out += UnsafeBufferPointer(start: $0, count: $1) }
            return out
        }
        let first = run()
        convolver.reset()
        #expect(run() == first)
    }
}
