import Dispatch

/// The arithmetic a convolution runs in. The stream between stages is always ``Sample`` (Double);
/// this is the FFTs' and spectra's precision.
public enum Precision: String, CaseIterable, Sendable {
    /// 32-bit float FFTs: about 1e-7 of full scale, transparent at 16 bits, and the fastest.
    case single
    /// 64-bit FFTs: about 1e-15 of full scale, correctly rounded at 24 bits.
    case double
}

/// Streaming multichannel convolution by uniformly partitioned overlap-save on FFTW.
///
/// Plan, process, reset: construction plans the FFTs and transforms the kernel once; ``process``
/// takes interleaved input frames in blocks of any size and hands back interleaved output frames
/// (the full convolution, sample-aligned with the input, no latency of its own); ``finish`` emits the
/// tail, so that input frames N give exactly N + K − 1 output frames.
///
/// Work is done a step of ``PartitionPlan/chunkFrames`` frames at a time: first the forward
/// transforms of every input channel, then, per output channel, the spectral multiply-accumulate
/// and inverse transform. Channels run in parallel when there are several. The FFTs run in the
/// kernel spectra's ``Precision``; frames in and out are ``Sample``s either way.
public final class PartitionedConvolver {
    public let plan: PartitionPlan
    public let routing: ChannelRouting
    /// The one convolver design, in the spectra's precision. An enum of concrete types rather than
    /// a protocol existential: each case's calls are specialised, so the per-sample loops compile
    /// for Float or Double instead of going through generic witnesses.
    private let state: State

    private enum State {
        case single(PartitionedConvolution<Float>)
        case double(PartitionedConvolution<Double>)
    }

    /// - Parameters:
    ///   - spectra: the kernel, transformed; shared (read-only) between convolvers.
    ///   - routing: how kernel channels connect input and output channels.
    public init(spectra: KernelSpectra, routing: ChannelRouting) {
        precondition(Set(routing.terms.map(\.kernelChannel)) == Set(0..<spectra.channelCount), "routing does not fit the kernel's channels")
        plan = spectra.plan
        self.routing = routing
        switch spectra.storage {
        case .single(let partitions): state = .single(PartitionedConvolution(partitions, routing: routing))
        case .double(let partitions): state = .double(PartitionedConvolution(partitions, routing: routing))
        }
    }

    /// Transforms `kernel` (its frame count must equal `plan.kernelLength`) and builds a convolver on it.
    public convenience init(kernel: AudioBuffer, routing: ChannelRouting, plan: PartitionPlan, precision: Precision = .single,
                            planning: FFTPlanning = .estimate) throws {
        try self.init(spectra: KernelSpectra(kernel: kernel, plan: plan, precision: precision, planning: planning), routing: routing)
    }

    /// Convenience: plans automatically for the kernel's length.
    public convenience init(kernel: AudioBuffer, routing: ChannelRouting, precision: Precision = .single, planning: FFTPlanning = .estimate) throws {
        try self.init(kernel: kernel, routing: routing, plan: .automatic(kernelLength: kernel.frameCount, precision: precision), precision: precision, planning: planning)
    }

    /// Input frames taken so far.
    public var inputFrameCount: Int {
        switch state {
        case .single(let convolution): convolution.inputFrameCount
        case .double(let convolution): convolution.inputFrameCount
        }
    }

    /// Output frames handed back so far.
    public var outputFrameCount: Int {
        switch state {
        case .single(let convolution): convolution.outputFrameCount
        case .double(let convolution): convolution.outputFrameCount
        }
    }

    /// Takes `frameCount` interleaved frames of `routing.inputChannelCount` channels; calls `output`
    /// with interleaved frames of `routing.outputChannelCount` channels whenever a step completes.
    /// The pointer passed to `output` is valid only during the call, and may be modified by it.
    public func process(_ input: UnsafePointer<Sample>, frameCount: Int, output: (UnsafeMutablePointer<Sample>, Int) throws -> Void) rethrows {
        switch state {
        case .single(let convolution): try convolution.process(input, frameCount: frameCount, output: output)
        case .double(let convolution): try convolution.process(input, frameCount: frameCount, output: output)
        }
    }

    /// Emits the rest of the convolution: the output then totals `inputFrameCount + kernelLength - 1`
    /// frames. Further input starts a new signal only after ``reset()``.
    public func finish(output: (UnsafeMutablePointer<Sample>, Int) throws -> Void) rethrows {
        switch state {
        case .single(let convolution): try convolution.finish(output: output)
        case .double(let convolution): try convolution.finish(output: output)
        }
    }

    /// Forgets all input, keeping plans and kernel spectra.
    public func reset() {
        switch state {
        case .single(let convolution): convolution.reset()
        case .double(let convolution): convolution.reset()
        }
    }
}

/// The convolver's buffers and steps in one precision: samples are converted to `Scalar` as the
/// input is split into channels, and back as the output is interleaved (copies the design makes
/// anyway), so the conversion costs no pass of its own.
private final class PartitionedConvolution<Scalar: FFTScalar> {
    let plan: PartitionPlan
    let routing: ChannelRouting
    private(set) var inputFrameCount = 0
    private(set) var outputFrameCount = 0

    private let fft: RealFFT<Scalar>
    /// Per input channel: the previous block, then the frames of the current step.
    private let inputBuffers: [AlignedBuffer<Scalar>]
    private var inputFill = 0
    /// Per input channel: the spectra of past blocks, a ring of `inputSpectrumSlotCount` slots.
    private let inputSpectra: [AlignedBuffer<Scalar>]
    /// Per kernel channel: the spectra of the kernel's partitions, scaled by 1/fftSize.
    private let kernelSpectra: [AlignedBuffer<Scalar>]
    /// Per output channel: the spectrum being summed, the inverse transform's result (in the
    /// accumulator when the FFT works in place), and the step's output.
    private let accumulators: [AlignedBuffer<Scalar>]
    private let currentSegments: [AlignedBuffer<Scalar>]
    private let outputChannels: [AlignedBuffer<Scalar>]
    /// The step's output, interleaved.
    private let outputBuffer: AlignedBuffer<Sample>
    /// Blocks transformed since the start.
    private var blockCount = 0
    /// Per output channel: the routing terms that feed it.
    private let termsByOutput: [[ChannelRouting.Term]]

    init(_ spectra: PartitionSpectra<Scalar>, routing: ChannelRouting) {
        let plan = spectra.plan
        self.plan = plan
        self.routing = routing
        fft = spectra.fft
        kernelSpectra = spectra.buffers
        let stride = plan.spectrumStride
        func buffers(_ count: Int, size: Int) -> [AlignedBuffer<Scalar>] { (0..<count).map { _ in AlignedBuffer(count: size) } }
        inputBuffers = buffers(routing.inputChannelCount, size: plan.blockSize + plan.chunkFrames)
        inputSpectra = buffers(routing.inputChannelCount, size: plan.inputSpectrumSlotCount * stride)
        accumulators = buffers(routing.outputChannelCount, size: stride)
        currentSegments = fft.inPlace ? [] : buffers(routing.outputChannelCount, size: plan.fftSize)
        outputChannels = buffers(routing.outputChannelCount, size: plan.chunkFrames)
        outputBuffer = AlignedBuffer(count: plan.chunkFrames * routing.outputChannelCount)
        termsByOutput = (0..<routing.outputChannelCount).map { output in routing.terms.filter { $0.output == output } }
    }

    func process(_ input: UnsafePointer<Sample>, frameCount: Int, output: (UnsafeMutablePointer<Sample>, Int) throws -> Void) rethrows {
        let channels = routing.inputChannelCount
        var consumed = 0
        while consumed < frameCount {
            let take = min(frameCount - consumed, plan.chunkFrames - inputFill)
            for c in 0..<channels {
                let destination = inputBuffers[c].pointer + plan.blockSize + inputFill
                var source = input + consumed * channels + c
                for i in 0..<take {
                    destination[i] = Scalar(source.pointee)
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

    func finish(output: (UnsafeMutablePointer<Sample>, Int) throws -> Void) rethrows {
        let total = inputFrameCount + plan.kernelLength - 1
        while outputFrameCount < total {
            for c in 0..<routing.inputChannelCount {
                (inputBuffers[c].pointer + plan.blockSize + inputFill).update(repeating: 0, count: plan.chunkFrames - inputFill)
            }
            inputFill = plan.chunkFrames
            try runStep(emitting: min(plan.chunkFrames, total - outputFrameCount), output: output)
        }
    }

    func reset() {
        inputBuffers.forEach { $0.zero() }
        inputSpectra.forEach { $0.zero() }
        inputFill = 0
        blockCount = 0
        inputFrameCount = 0
        outputFrameCount = 0
    }

    private func runStep(emitting frameCount: Int, output: (UnsafeMutablePointer<Sample>, Int) throws -> Void) rethrows {
        parallelFor(routing.inputChannelCount) { transformInput(channel: $0) }
        parallelFor(routing.outputChannelCount) { convolveOutput(channel: $0) }
        blockCount += plan.chunkBlockCount
        inputFill = 0
        outputFrameCount += frameCount
        guard frameCount > 0 else { return }
        // Interleave here, on one thread: channels writing neighbouring samples would fight over cache lines.
        let channels = routing.outputChannelCount
        for c in 0..<channels {
            let source = outputChannels[c].pointer
            var destination = outputBuffer.pointer + c
            for i in 0..<frameCount {
                destination.pointee = Sample(source[i])
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
        let result = fft.inPlace ? accumulator : currentSegments[channel].pointer
        for block in 0..<plan.chunkBlockCount {
            let blockIndex = blockCount + block
            accumulator.update(repeating: 0, count: stride)
            for term in termsByOutput[channel] {
                let kernel = kernelSpectra[term.kernelChannel].pointer
                let input = inputSpectra[term.input].pointer
                // Partition p meets the input block p blocks back (none before the signal began).
                for partition in 0..<min(plan.partitionCount, blockIndex + 1) {
                    let slot = (blockIndex - partition) % slots
                    Scalar.multiplyAccumulate(accumulator, kernel + partition * stride, input + slot * stride, bins: plan.binCount)
                }
            }
            fft.inverse(accumulator, output: result)
            (outputChannels[channel].pointer + block * B).update(from: result + B, count: B)
        }
    }
}

/// A kernel's partitions transformed once, with the FFT plan that made them: immutable, so any
/// number of convolvers on any threads can share it (a batch computes each kernel once).
public final class KernelSpectra: @unchecked Sendable {
    public let plan: PartitionPlan
    public let channelCount: Int
    public let precision: Precision
    fileprivate let storage: Storage

    fileprivate enum Storage {
        case single(PartitionSpectra<Float>)
        case double(PartitionSpectra<Double>)
    }

    public init(kernel: AudioBuffer, plan: PartitionPlan, precision: Precision = .single, planning: FFTPlanning = .estimate) throws {
        precondition(plan.kernelLength == kernel.frameCount, "plan made for another kernel length")
        self.plan = plan
        channelCount = kernel.channelCount
        self.precision = precision
        switch precision {
        case .single: storage = .single(try PartitionSpectra(kernel: kernel, plan: plan, planning: planning))
        case .double: storage = .double(try PartitionSpectra(kernel: kernel, plan: plan, planning: planning))
        }
    }

    public convenience init(kernel: AudioBuffer, precision: Precision = .single, planning: FFTPlanning = .estimate) throws {
        try self.init(kernel: kernel, plan: .automatic(kernelLength: kernel.frameCount, precision: precision), precision: precision, planning: planning)
    }
}

/// The spectra of a kernel's partitions in one precision, scaled by 1/fftSize so the inverse FFT needs no scaling.
private final class PartitionSpectra<Scalar: FFTScalar> {
    let plan: PartitionPlan
    let fft: RealFFT<Scalar>
    /// Per kernel channel.
    let buffers: [AlignedBuffer<Scalar>]

    init(kernel: AudioBuffer, plan: PartitionPlan, planning: FFTPlanning) throws {
        self.plan = plan
        let fft = try RealFFT<Scalar>.shared(size: plan.fftSize, planning: planning)
        self.fft = fft
        let stride = plan.spectrumStride
        let scratch = AlignedBuffer<Scalar>(count: plan.fftSize)
        let scale = 1 / Sample(plan.fftSize)
        buffers = kernel.channels.map { taps in
            let spectra = AlignedBuffer<Scalar>(count: plan.partitionCount * stride)
            for partition in 0..<plan.partitionCount {
                scratch.zero()
                let start = partition * plan.blockSize
                let end = min(start + plan.blockSize, plan.kernelLength)
                for i in start..<end { scratch.pointer[i - start] = Scalar(taps[i] * scale) }
                fft.forward(scratch.pointer, spectrum: spectra[partition * stride])
            }
            return spectra
        }
    }
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
