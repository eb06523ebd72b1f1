import Foundation

/// The sizes a ``PartitionedConvolver`` works with, decided before any FFT exists.
///
/// The kernel of `kernelLength` taps is cut into `partitionCount` partitions of `blockSize`
/// taps; each is convolved by FFTs of `fftSize = 2 * blockSize` (uniformly partitioned
/// overlap-save). Blocks are processed `chunkBlockCount` at a time, so that channels can run
/// in parallel on work large enough to pay for the hand-off.
public struct PartitionPlan: Sendable, Equatable, CustomStringConvertible {
    /// Kernel taps, at least 1.
    public let kernelLength: Int
    /// Partition size B in frames: a power of two, at least ``minimumBlockSize``.
    public let blockSize: Int
    /// Blocks processed per step.
    public let chunkBlockCount: Int

    public static let minimumBlockSize = 64
    public static let maximumBlockSize = 1 << 18
    /// A step covers at least this many frames (unless one block is longer).
    static let minimumChunkFrames = 1 << 16

    public init(kernelLength: Int, blockSize: Int) {
        precondition(kernelLength >= 1)
        precondition(blockSize >= Self.minimumBlockSize && blockSize <= Self.maximumBlockSize && blockSize & (blockSize - 1) == 0,
                     "block size must be a power of two in \(Self.minimumBlockSize)...\(Self.maximumBlockSize)")
        self.kernelLength = kernelLength
        self.blockSize = blockSize
        chunkBlockCount = max(1, Self.minimumChunkFrames / blockSize)
    }

    public var fftSize: Int { 2 * blockSize }
    public var partitionCount: Int { (kernelLength + blockSize - 1) / blockSize }
    /// Frequency bins of one spectrum: `blockSize + 1`.
    public var binCount: Int { blockSize + 1 }
    /// Samples between consecutive spectra in memory: `2 * binCount` (interleaved complex) rounded
    /// up to keep FFTW's alignment.
    public var spectrumStride: Int {
        let a = FFTAlignment.elements
        return (2 * binCount + a - 1) / a * a
    }
    public var chunkFrames: Int { chunkBlockCount * blockSize }
    /// Input spectra kept per channel: the `partitionCount - 1` past blocks a block needs, plus one step's.
    public var inputSpectrumSlotCount: Int { partitionCount + chunkBlockCount - 1 }

    /// The fastest plan for offline work on this machine class, by ``estimatedCost(kernelLength:blockSize:precision:)``.
    public static func automatic(kernelLength: Int, precision: Precision = .single) -> PartitionPlan {
        byEstimatedCost(kernelLength: kernelLength, precision: precision)[0]
    }

    /// Every plan worth considering for the kernel, fastest first by the cost model (so a caller
    /// short of memory can take the fastest that fits).
    public static func byEstimatedCost(kernelLength: Int, precision: Precision = .single) -> [PartitionPlan] {
        func cost(_ blockSize: Int) -> Double { estimatedCost(kernelLength: kernelLength, blockSize: blockSize, precision: precision) }
        return candidateBlockSizes(kernelLength: kernelLength).sorted { cost($0) < cost($1) }
            .map { PartitionPlan(kernelLength: kernelLength, blockSize: $0) }
    }

    /// Powers of two from the minimum up to the first that holds the whole kernel.
    static func candidateBlockSizes(kernelLength: Int) -> [Int] {
        var sizes: [Int] = []
        var size = minimumBlockSize
        while size <= maximumBlockSize {
            sizes.append(size)
            if size >= kernelLength { break }
            size *= 2
        }
        return sizes
    }

    /// Relative cost of convolving one frame of one channel with block size B: two FFTs of 2B points
    /// per B frames, which cost about log₂(2B) per frame, plus one complex multiply-accumulate per
    /// bin and partition (weighted more once the spectra outgrow the cache and the loop waits on
    /// memory), plus a fixed cost per block (calls, loop set-up)
    /// that makes blocks under a few hundred frames slower than their FFT sizes suggest.
    ///
    /// The weight was fitted to timings of this convolver on a 2-core x86-64 machine (10 minutes of
    /// stereo, kernels of 511 taps to 10 s, block sizes 64 to 262144, with `--block-size`).
    public static func estimatedCost(kernelLength: Int, blockSize: Int, precision: Precision = .single) -> Double {
        let partitions = Double((kernelLength + blockSize - 1) / blockSize)
        // Kernel and input spectra together: two complex values per tap and channel, 16 bytes in
        // single precision and 32 in double (whose spectra leave the cache at half the length).
        let bytesPerTap = precision == .single ? 16.0 : 32.0
        let macWeight = Double(kernelLength) * bytesPerTap > 4e6 ? macWeightOutOfCache : macWeightInCache
        return log2(Double(2 * blockSize)) + macWeight * partitions * Double(blockSize + 1) / Double(blockSize)
            + blockOverhead / Double(blockSize)
    }

    static let macWeightInCache = 0.18
    static let macWeightOutOfCache = 0.3
    static let blockOverhead = 64.0

    public var description: String {
        "block \(blockSize), FFT \(fftSize), \(partitionCount) partition\(partitionCount == 1 ? "" : "s")"
    }

    /// Bytes the kernel's spectra take (shared by every convolver on them), and the bytes one
    /// convolver's own buffers take: what ``KernelSpectra`` and ``PartitionedConvolver`` allocate.
    public func estimatedBytes(kernelChannels: Int, inputChannels: Int, outputChannels: Int,
                               precision: Precision = .single) -> (spectra: Int, perConvolver: Int) {
        let element = precision == .single ? MemoryLayout<Float>.size : MemoryLayout<Double>.size
        let spectra = partitionCount * spectrumStride * kernelChannels * element
        let inputs = inputChannels * (blockSize + chunkFrames + inputSpectrumSlotCount * spectrumStride)
        // The inverse transform's own output buffer exists only where the FFT is out of place.
        let segment = FFTPlacement.inPlace(size: fftSize) ? 0 : fftSize
        let outputs = outputChannels * (spectrumStride + segment + chunkFrames)
        // The step's interleaved output is in ``Sample``s whatever the precision.
        let interleaved = outputChannels * chunkFrames * MemoryLayout<Sample>.size
        return (spectra, (inputs + outputs) * element + interleaved)
    }
}
