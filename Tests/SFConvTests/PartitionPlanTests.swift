@testable import SFConv
import Testing

@Suite struct PartitionPlanTests {
    @Test(arguments: [1, 2, 63, 64, 65, 511, 24_000, 144_000, 480_000, 2_880_000, 5_760_000])
    func automaticPlanCoversTheKernel(kernelLength: Int) {
        let plan = PartitionPlan.automatic(kernelLength: kernelLength)
        #expect(plan.blockSize & (plan.blockSize - 1) == 0)
        #expect(plan.blockSize >= PartitionPlan.minimumBlockSize && plan.blockSize <= PartitionPlan.maximumBlockSize)
        #expect(plan.partitionCount * plan.blockSize >= kernelLength)
        #expect((plan.partitionCount - 1) * plan.blockSize < kernelLength)
        #expect(plan.fftSize == 2 * plan.blockSize)
        #expect(plan.chunkFrames % plan.blockSize == 0 && plan.chunkFrames >= PartitionPlan.minimumChunkFrames || plan.chunkBlockCount == 1)
        #expect(plan.spectrumStride >= 2 * plan.binCount && plan.spectrumStride % FFTAlignment.elements == 0)
        #expect(plan.inputSpectrumSlotCount == plan.partitionCount + plan.chunkBlockCount - 1)
    }

    @Test func automaticPlanIsTheCheapestCandidate() {
        for k in [100, 5000, 24_000, 144_000, 480_000] {
            let plan = PartitionPlan.automatic(kernelLength: k)
            let cost = PartitionPlan.estimatedCost(kernelLength: k, blockSize: plan.blockSize)
            for size in PartitionPlan.candidateBlockSizes(kernelLength: k) {
                #expect(cost <= PartitionPlan.estimatedCost(kernelLength: k, blockSize: size))
            }
        }
    }

    @Test func longerKernelsNeverGetSmallerBlocks() {
        var previous = 0
        for k in [1, 100, 1000, 10_000, 100_000, 1_000_000, 5_000_000] {
            let size = PartitionPlan.automatic(kernelLength: k).blockSize
            #expect(size >= previous, "kernel \(k)")
            previous = size
        }
    }

    @Test func shortKernelsUseOnePartitionAndLongOnesFew() {
        #expect(PartitionPlan.automatic(kernelLength: 1).partitionCount == 1)
        #expect(PartitionPlan.automatic(kernelLength: 64).partitionCount == 1)
        // The sizes measured fastest on 10 minutes of stereo (bench/run.sh): 10 s at 48 kHz wants
        // blocks of 65536 or more, 3 s at least 16384, 0.5 s 2048 to 32768.
        #expect(PartitionPlan.automatic(kernelLength: 480_000).blockSize >= 65536)
        #expect(PartitionPlan.automatic(kernelLength: 144_000).blockSize >= 16384)
        #expect((2048...32768).contains(PartitionPlan.automatic(kernelLength: 24_000).blockSize))
    }

    /// Double spectra take twice the memory, so a 3 s kernel's double convolution wants longer blocks
    /// (fewer passes over the spectra): 32768 measured 7 % faster than single's 16384 there.
    @Test func doublePrecisionTakesLongerBlocksOnceItsSpectraOutgrowTheCache() {
        #expect(PartitionPlan.automatic(kernelLength: 144_000, precision: .double).blockSize
                > PartitionPlan.automatic(kernelLength: 144_000, precision: .single).blockSize)
        #expect(PartitionPlan.automatic(kernelLength: 24_000, precision: .double) == PartitionPlan.automatic(kernelLength: 24_000))
    }

    /// Short of memory for the fastest plan, a convolution takes the fastest plan that fits; with
    /// none fitting, the error names the least any plan needs.
    @Test func aTightBudgetTakesTheFastestPlanThatFits() throws {
        var context = BindContext(channelCount: 2, sampleRate: 48000, inputPath: "in", files: ChainFiles(folders: []))
        context.precision = .double
        let routing = try #require(ChannelRouting(inputChannels: 2, kernelChannels: 4))
        let plans = PartitionPlan.byEstimatedCost(kernelLength: 180_000, precision: .double)
        func plan(_ context: BindContext) throws -> (plan: PartitionPlan, bytes: Int) {
            try context.convolutionPlan(kernelLength: 180_000, kernelChannels: 4, routing: routing, key: nil)
        }
        let needs = try plans.map { candidate in
            var fixed = context
            fixed.blockSize = candidate.blockSize
            return try plan(fixed).bytes
        }
        let fastest = try plan(context)
        #expect(fastest.plan == plans[0] && fastest.bytes == needs[0])

        context.memoryBudget = needs[0] - 1
        let fitting = try plan(context)
        let index = try #require(plans.firstIndex(of: fitting.plan))
        #expect(index > 0 && needs[index] <= context.memoryBudget)
        #expect(needs[..<index].allSatisfy { $0 > context.memoryBudget })

        context.memoryBudget = 1 << 20
        let error = try #require(throws: EffectProblem.self) { try plan(context) }
        #expect(error.message.contains(String(format: "needs about %.1f MiB", Double(needs.min()!) / 1_048_576)), "\(error.message)")
    }

    @Test func costGrowsWithBlockSizeWhenThePartitionCountStaysOne() {
        #expect(PartitionPlan.estimatedCost(kernelLength: 500, blockSize: 512) < PartitionPlan.estimatedCost(kernelLength: 500, blockSize: 1024))
    }

    @Test func candidatesStopAtTheFirstSizeHoldingTheKernel() {
        #expect(PartitionPlan.candidateBlockSizes(kernelLength: 1) == [64])
        #expect(PartitionPlan.candidateBlockSizes(kernelLength: 200) == [64, 128, 256])
        #expect(PartitionPlan.candidateBlockSizes(kernelLength: 10_000_000).last == PartitionPlan.maximumBlockSize)
    }

    @Test func frameWindowKeepsTheRequestedRange() {
        var window = FrameWindow(start: 3)
        #expect(window.take(2) == (0, 0))
        #expect(window.take(4) == (1, 3))
        window.end = 8
        #expect(window.take(10) == (0, 2))
        #expect(window.take(10) == (0, 0))
    }
}
