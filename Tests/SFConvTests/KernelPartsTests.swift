import Foundation
@testable import SFConv
import SFConvTestSupport
import Testing

/// An IR given as parts with per-file gains (a drawn DRR) convolves as the same IR scaled in the
/// time domain: against a direct Double convolution of h′ and h′_early built sample by sample.
@Suite struct KernelPartsTests {
    /// (input channels, IR channels, early end in frames or nil, reverberant start offset per channel)
    @Test(arguments: [(1, 1, 900 as Int?), (1, 1, nil), (1, 2, 900), (2, 2, 60), (2, 4, 400), (2, 1, 1), (1, 1, 1200)])
    func partsConvolveAsTheScaledKernel(setup: (inputs: Int, kernels: Int, earlyEnd: Int?)) throws {
        var generator = SeededGenerator(seed: UInt64(100 * setup.inputs + 10 * setup.kernels + (setup.earlyEnd ?? 0)))
        let x = (0..<setup.inputs).map { _ in randomSignal(3000, using: &generator).map { Float($0 * 0.5) } }
        let h = (0..<setup.kernels).map { _ in randomSignal(1100, using: &generator).map { Float($0 * 0.05) } }
        // A reverberant part from a different frame in each channel, and its own gain.
        let reverberant: [(gain: Float, start: Int)] = h.indices.map { (Float(0.3 + 0.7 * Double($0)), 150 + 97 * $0) }
        let normalization: Float = 0.8
        let routing = try #require(ChannelRouting(inputChannels: setup.inputs, kernelChannels: setup.kernels))
        let key = "parts test \(setup.inputs) \(setup.kernels) \(setup.earlyEnd ?? 0)"
        let parts = AugmentationDSP.KernelParts(h, reverberant: reverberant, normalization: normalization, earlyEnd: setup.earlyEnd, cacheKey: key)
        // h′ and h′_early sample by sample, in Double.
        let scaled = h.indices.map { c in
            h[c].indices.map { i in Float(Double(h[c][i]) * (i >= reverberant[c].start ? Double(reverberant[c].gain) : 1) * Double(normalization)) }
        }
        let start = 29, frames = 3500
        for _ in 0..<2 {
            // Computed, then from the kept spectra.
            let (output, early) = try AugmentationDSP.convolve(x, parts: parts, routing: routing, start: start, frames: frames)
            let earlyKernels = setup.earlyEnd.map { end in scaled.map { Array($0.prefix(end)) + [Float](repeating: 0, count: $0.count - min(end, $0.count)) } }
            for (signal, kernels) in [(output, scaled)] + (earlyKernels.map { [(early!, $0)] } ?? []) {
                let reference = directConvolution(input: x.map { $0.map(Sample.init) }, kernel: kernels.map { $0.map(Sample.init) }, routing: routing)
                #expect(signal.count == routing.outputChannelCount)
                for (channel, samples) in signal.enumerated() {
                    let expected = (0..<frames).map { start + $0 < reference[channel].count ? reference[channel][start + $0] : 0 }
                    let (error, _) = maximumError(samples.map(Sample.init), expected)
                    #expect(error < 1e-5, "channel \(channel): \(error)")
                }
            }
            #expect((early == nil) == (setup.earlyEnd == nil))
        }
    }

    @Test func partsSplitAtTheReverberantStartAndTheEarlyEnd() {
        let h: [[Float]] = [[Float](repeating: 1, count: 100)]
        // Early end after the reverberant start: direct, early reverberant, late reverberant.
        let late = AugmentationDSP.KernelParts(h, reverberant: [(0.5, 10)], normalization: 2, earlyEnd: 40, cacheKey: "a")
        #expect(late.starts == [[0, 10, 40]] && late.gains == [[2, 1, 1]] && late.earlyGains! == [[2, 1, 0]])
        // Before it: direct early, direct late, reverberant.
        let soon = AugmentationDSP.KernelParts(h, reverberant: [(0.5, 10)], normalization: 2, earlyEnd: 4, cacheKey: "a")
        #expect(soon.starts == [[0, 4, 10]] && soon.gains == [[2, 2, 1]] && soon.earlyGains! == [[2, 0, 0]])
        // No early kernel: direct and reverberant.
        let plain = AugmentationDSP.KernelParts(h, reverberant: [(0.5, 10)], normalization: 2, earlyEnd: nil, cacheKey: "a")
        #expect(plain.starts == [[0, 10]] && plain.gains == [[2, 1]] && plain.earlyGains == nil)
        #expect(soon.cacheKey != late.cacheKey)
    }

    @Test(arguments: [0, 1, 15, 16, 17, 1000, 4099])
    func peakAndEnergyAreThePlainSums(count: Int) {
        var generator = SeededGenerator(seed: UInt64(count))
        var samples = randomSignal(count, using: &generator).map { Float($0) }
        if count > 20 { samples[count / 3] = -1.5; samples[count / 2] = .nan }
        let expectedPeak = samples.reduce(Float(0)) { $1.isNaN ? $0 : max($0, abs($1)) }
        let expectedEnergy = samples.reduce(0.0) { $1.isNaN ? $0 : $0 + Double($1) * Double($1) }
        #expect(AugmentationDSP.peak([samples, [0.25]]) == max(expectedPeak, 0.25))
        let finite = samples.map { $0.isNaN ? 0 : $0 }
        #expect(abs(AugmentationDSP.energy([finite]) - expectedEnergy) <= 1e-12 * max(1, expectedEnergy))
    }
}
