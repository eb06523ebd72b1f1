import CSFConvKernels
import Dispatch

/// Streaming multichannel convolution by uniformly partitioned overlap-save on FFTW.
///
/// Plan, process, reset: construction plans the FFTs and transforms the kernel once; ``process``
/// takes interleaved input frames in blocks of any size and hands back interleaved output frames
/// (the full convolution, sample-aligned with the input, no latency of its own); ``finish`` emits the
/// tail, so that input frames N give exactly N + K − 1 output frames.
///
/// Work is done a step of ``PartitionPlan/chunkFrames`` frames at a time: first the forward
/// transforms of every input channel, then, per output channel, the spectral multiply-accumulate
/// and inverse transform. Channels run in parallel when there are several.
public final class PartitionedConvolver {
    public let plan: PartitionPlan
    public let routing: ChannelRouting
    /// Input frames taken so far.
    public private(set) var inputFrameCount = 0
    /// Output frames handed back so far.
    public private(set) var outputFrameCount = 0

    private let fft: RealFFT
    /// Per input channel: the previous block, then the frames of the current step.
    private let inputBuffers: [AlignedBuffer]
    private var inputFill = 0
    /// Per input channel: the spectra of past blocks, a ring of `inputSpectrumSlotCount` slots.
    private let inputSpectra: [AlignedBuffer]
    /// Per kernel channel: the spectra of the kernel's partitions, scaled by 1/fftSize.
    private let kernelSpectra: [AlignedBuffer]
    /// Per output channel: the spectrum being summed, the inverse transform's result, and the step's output.
    private let accumulators: [AlignedBuffer]
    private let currentSegments: [AlignedBuffer]
    private let outputChannels: [AlignedBuffer]
    /// The step's output, interleaved.
    private let outputBuffer: AlignedBuffer
    /// Blocks transformed since the start.
    private var blockCount = 0
    /// Per output channel: the routing terms that feed it.
    private let termsByOutput: [[ChannelRouting.Term]]

    /// - Parameters:
    ///   - spectra: the kernel, transformed; shared (read-only) between convolvers.
    ///   - routing: how kernel channels connect input and output channels.
    public init(spectra: KernelSpectra, routing: ChannelRouting) {
        precondition(Set(routing.terms.map(\.kernelChannel)) == Set(0..<spectra.channelCount), "routing does not fit the kernel's channels")
        let plan = spectra.plan
        self.plan = plan
        self.routing = routing
        fft = spectra.fft
        kernelSpectra = spectra.spectra
        let stride = plan.spectrumStride
        func buffers(_ count: Int, floats: Int) -> [AlignedBuffer] { (0..<count).map { _ in AlignedBuffer(count: floats) } }
        inputBuffers = buffers(routing.inputChannelCount, floats: plan.blockSize + plan.chunkFrames)
        inputSpectra = buffers(routing.inputChannelCount, floats: plan.inputSpectrumSlotCount * stride)
        accumulators = buffers(routing.outputChannelCount, floats: stride)
        currentSegments = buffers(routing.outputChannelCount, floats: plan.fftSize)
        outputChannels = buffers(routing.outputChannelCount, floats: plan.chunkFrames)
        outputBuffer = AlignedBuffer(count: plan.chunkFrames * routing.outputChannelCount)
        termsByOutput = (0..<routing.outputChannelCount).map { output in routing.terms.filter { $0.output == output } }
    }

    /// Transforms `kernel` (its frame count must equal `plan.kernelLength`) and builds a convolver on it.
    public convenience init(kernel: AudioBuffer, routing: ChannelRouting, plan: PartitionPlan, planning: FFTPlanning = .estimate) throws {
        try self.init(spectra: KernelSpectra(kernel: kernel, plan: plan, planning: planning), routing: routing)
    }

    /// Convenience: plans automatically for the kernel's length.
    public convenience init(kernel: AudioBuffer, routing: ChannelRouting, planning: FFTPlanning = .estimate) throws {
        try self.init(kernel: kernel, routing: routing, plan: .automatic(kernelLength: kernel.frameCount), planning: planning)
    }

    /// Takes `frameCount` interleaved frames of `routing.inputChannelCount` channels; calls `output`
    /// with interleaved frames of `routing.outputChannelCount` channels whenever a step completes.
    /// The pointer passed to `output` is valid only during the call, and may be modified by it.
    public func process(
        _ input: UnsafePointer<Float>, frameCount: Int,
        output: (UnsafeMutablePointer<Float>, Int) throws -> Void
    ) rethrows {
        let channels = routing.inputChannelCount
        var consumed = 0
        while consumed < frameCount {
            let take = min(frameCount - consumed, plan.chunkFrames - inputFill)
            for c in 0..<channels {
                let destination = inputBuffers[c].pointer + plan.blockSize + inputFill
                var source = input + consumed * channels + c
                for i in 0..<take {
                    destination[i] = source.pointee
                    source += channels
                }
            }
            inputFill += take
            consumed += take
            inputFrameCount += take
            if inputFill == plan.chunkFrames {
                try runStep(emitting: plan.chunkFrames, output: output)
            }
        }
    }

    /// Emits the rest of the convolution: the output then totals `inputFrameCount + kernelLength - 1`
    /// frames. Further input starts a new signal only after ``reset()``.
    public func finish(output: (UnsafeMutablePointer<Float>, Int) throws -> Void) rethrows {
        let total = inputFrameCount + plan.kernelLength - 1
        while outputFrameCount < total {
            for c in 0..<routing.inputChannelCount {
                (inputBuffers[c].pointer + plan.blockSize + inputFill).update(repeating: 0, count: plan.chunkFrames - inputFill)
            }
            inputFill = plan.chunkFrames
            try runStep(emitting: min(plan.chunkFrames, total - outputFrameCount), output: output)
        }
    }

    /// Forgets all input, keeping plans and kernel spectra.
    public func reset() {
        inputBuffers.forEach { $0.zero() }
        inputSpectra.forEach { $0.zero() }
        inputFill = 0
        blockCount = 0
        inputFrameCount = 0
        outputFrameCount = 0
    }

    private func runStep(emitting frameCount: Int, output: (UnsafeMutablePointer<Float>, Int) throws -> Void) rethrows {
        parallelFor(routing.inputChannelCount) { transformInput(channel: $0) }
        parallelFor(routing.outputChannelCount) { convolveOutput(channel: $0) }
        blockCount += plan.chunkBlockCount
        inputFill = 0
        outputFrameCount += frameCount
        guard frameCount > 0 else { return }
        // Interleave here, on one thread: channels writing neighbouring floats would fight over cache lines.
        let channels = routing.outputChannelCount
        for c in 0..<channels {
            let source = outputChannels[c].pointer
            var destination = outputBuffer.pointer + c
            for i in 0..<frameCount {
                destination.pointee = source[i]
                destination += channels
            }
        }
        try output(outputBuffer.pointer, frameCount)
    }

    /// Forward FFT of each new block of one input channel into its ring slot; keeps the last block.
    private func transformInput(channel: Int) {
        let B = plan.blockSize
        let buffer = inputBuffers[channel].pointer
        for block in 0..<plan.chunkBlockCount {
            let slot = (blockCount + block) % plan.inputSpectrumSlotCount
            // Window [previous block | this block]: overlap-save keeps the last B outputs.
            fft.forward(buffer + block * B, spectrum: inputSpectra[channel][slot * plan.spectrumStride])
        }
        buffer.update(from: buffer + plan.chunkFrames, count: B)
    }

    /// For each block of the step: sum kernel × input spectra over terms and partitions, inverse
    /// FFT, and keep the valid half.
    private func convolveOutput(channel: Int) {
        let B = plan.blockSize
        let stride = plan.spectrumStride
        let slots = plan.inputSpectrumSlotCount
        let accumulator = accumulators[channel].pointer
        let segment = currentSegments[channel].pointer
        for block in 0..<plan.chunkBlockCount {
            let blockIndex = blockCount + block
            accumulator.update(repeating: 0, count: stride)
            for term in termsByOutput[channel] {
                let kernel = kernelSpectra[term.kernelChannel].pointer
                let input = inputSpectra[term.input].pointer
                // Partition p meets the input block p blocks back (none before the signal began).
                for partition in 0..<min(plan.partitionCount, blockIndex + 1) {
                    let slot = (blockIndex - partition) % slots
                    multiplyAccumulate(accumulator, kernel + partition * stride, input + slot * stride, binCount: plan.binCount)
                }
            }
            fft.inverse(accumulator, output: segment)
            (outputChannels[channel].pointer + block * B).update(from: segment + B, count: B)
        }
    }
}

/// A kernel's partitions transformed once, with the FFT plan that made them: immutable, so any
/// number of convolvers on any threads can share it (a batch computes each kernel once).
public final class KernelSpectra: @unchecked Sendable {
    public let plan: PartitionPlan
    public let channelCount: Int
    let fft: RealFFT
    /// Per kernel channel: the spectra of its partitions, scaled by 1/fftSize so the inverse FFT needs no scaling.
    let spectra: [AlignedBuffer]

    public init(kernel: AudioBuffer, plan: PartitionPlan, planning: FFTPlanning = .estimate) throws {
        precondition(plan.kernelLength == kernel.frameCount, "plan made for another kernel length")
        self.plan = plan
        channelCount = kernel.channelCount
        let fft = try RealFFT.shared(size: plan.fftSize, planning: planning)
        self.fft = fft
        let stride = plan.spectrumStride
        let scratch = AlignedBuffer(count: plan.fftSize)
        let scale = 1 / Float(plan.fftSize)
        spectra = kernel.channels.map { taps in
            let spectra = AlignedBuffer(count: plan.partitionCount * stride)
            for partition in 0..<plan.partitionCount {
                scratch.zero()
                let start = partition * plan.blockSize
                let end = min(start + plan.blockSize, plan.kernelLength)
                for i in start..<end { scratch.pointer[i - start] = taps[i] * scale }
                fft.forward(scratch.pointer, spectrum: spectra[partition * stride])
            }
            return spectra
        }
    }

    public convenience init(kernel: AudioBuffer, planning: FFTPlanning = .estimate) throws {
        try self.init(kernel: kernel, plan: .automatic(kernelLength: kernel.frameCount), planning: planning)
    }
}

/// acc += a × b over `binCount` interleaved complex values: the inner loop of the convolution, in C
/// so that it is compiled for the widest vectors the running CPU has.
@inline(__always)
private func multiplyAccumulate(
    _ acc: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, binCount: Int
) {
    sfconv_complex_multiply_accumulate(acc, a, b, binCount)
}

/// Runs `body` for 0..<count, on several threads when count > 1.
private func parallelFor(_ count: Int, _ body: (Int) -> Void) {
    if count == 1 {
        body(0)
    } else {
        // The channels' work touches disjoint buffers; the convolver itself is used from one thread.
        withoutActuallyEscaping(body) { escapable in
            let shared = UncheckedSendable(escapable)
            DispatchQueue.concurrentPerform(iterations: count) { shared.value($0) }
        }
    }
}

private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
