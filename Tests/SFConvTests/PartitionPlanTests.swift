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
        #expect(plan.spectrumStride >= plan.binCount && plan.spectrumStride % RealFFT.alignmentFloats == 0)
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

    @Test func shortKernelsUseOnePartition() {
        #expect(PartitionPlan.automatic(kernelLength: 1).partitionCount == 1)
        #expect(PartitionPlan.automatic(kernelLength: 511).partitionCount == 1)
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
