import Foundation

/// Which part of the full convolution to keep, as `scipy.signal.convolve`'s `mode`.
public enum ConvolutionMode: String, CaseIterable, Sendable {
    /// N + K − 1 frames.
    case full
    /// N frames, `full[(K−1)/2 ..< (K−1)/2 + N]`.
    case same
    /// N − K + 1 frames, where the kernel overlaps the input completely; needs K ≤ N.
    case valid

    /// The first frame of the full convolution that is kept.
    func start(kernelLength k: Int) -> Int {
        switch self {
        case .full: 0
        case .same: (k - 1) / 2
        case .valid: k - 1
        }
    }

    /// Frames kept for an input of `n` frames.
    func length(inputLength n: Int, kernelLength k: Int) -> Int {
        switch self {
        case .full: n + k - 1
        case .same: n
        case .valid: n - k + 1
        }
    }
}

/// `sfconv convolve`: the exact-math convolution (or correlation) of a file with a kernel file.
public struct ConvolveRequest: Sendable {
    public var inputPath: String
    public var kernelPath: String
    public var outputPath: String
    public var mode: ConvolutionMode = .full
    /// Correlate instead of convolve (`scipy.signal.correlate`).
    public var correlate = false
    public var output = OutputOptions()
    /// Resample a kernel at another rate (otherwise that is an error).
    public var resampleKernel = true
    public var planning: FFTPlanning = .estimate
    /// Partition size override (a power of two); nil chooses by ``PartitionPlan/automatic(kernelLength:)``.
    public var blockSize: Int?

    public init(inputPath: String, kernelPath: String, outputPath: String) {
        self.inputPath = inputPath
        self.kernelPath = kernelPath
        self.outputPath = outputPath
    }
}

/// What a render did: the figures the command line reports.
public struct RenderSummary: Sendable {
    public var inputFrames: Int
    public var outputFrames: Int
    public var channelCount: Int
    public var sampleRate: Int
    /// The output's peak before any clamping.
    public var peak: Float
    public var clippedSampleCount: Int
    public var clippingReport: String?

    init(inputFrames: Int, writer: SoundFileWriter) {
        self.inputFrames = inputFrames
        outputFrames = writer.framesWritten
        channelCount = writer.channelCount
        sampleRate = writer.sampleRate
        peak = writer.peak
        clippedSampleCount = writer.clippedSampleCount
        clippingReport = writer.clippingReport
    }
}

/// Loads a kernel or impulse response file whole, resampled to `rate` when allowed.
public func loadKernel(path: String, rate: Int, resample: Bool, diagnostics: Diagnostics) throws -> AudioBuffer {
    let reader = try SoundFileReader(path: path)
    let limit = 60 * 192_000
    if let declared = reader.declaredFrameCount, declared > limit {
        throw SFConvError("kernel is too long: \(declared) frames (at most \(limit), 60 s at 192 kHz)", path: path)
    }
    var kernel = try reader.readAll(diagnostics: diagnostics)
    guard kernel.frameCount > 0 else {
        throw SFConvError("kernel has no frames", path: path)
    }
    if kernel.sampleRate != rate {
        guard resample else {
            throw SFConvError("kernel is at \(kernel.sampleRate) Hz but the input is at \(rate) Hz (resampling is off)", path: path)
        }
        let original = kernel.frameCount
        kernel = try KernelPreparation.resampled(kernel, to: rate)
        diagnostics.note("resampled the kernel from \(reader.sampleRate) Hz to \(rate) Hz (\(original) → \(kernel.frameCount) frames) (\(path))")
    }
    return kernel
}

extension ConvolutionTemplate {
    /// `kernel` (at the input's rate) convolved with, or with `correlate` correlated with, an input of
    /// `channels` channels, keeping the part `mode` asks for: the `convolve` command and effect.
    static func convolution(kernel original: AudioBuffer, mode: ConvolutionMode, correlate: Bool, channels: Int,
                            inputPath: String, kernelPath: String, plan: PartitionPlan? = nil,
                            planning: FFTPlanning) throws -> ConvolutionTemplate {
        let kernel = correlate ? KernelPreparation.reversed(original) : original
        let routing = try ChannelRouting.resolve(inputChannels: channels, kernelChannels: kernel.channelCount,
                                                 inputPath: inputPath, kernelPath: kernelPath)
        let k = kernel.frameCount, outputChannels = routing.outputChannelCount
        let spectra = try KernelSpectra(kernel: kernel, plan: plan ?? .automatic(kernelLength: k), planning: planning)
        return ConvolutionTemplate(spectra: spectra, routing: routing) {
            WindowStage(mode: mode, kernelLength: k, channelCount: outputChannels, inputPath: inputPath)
        }
    }
}

extension ConvolveRequest {
    /// Runs the convolution, streaming the input block by block. Writes nothing unless it succeeds.
    public func run(diagnostics: Diagnostics = .standardError, progress: @escaping ProgressFactory = { _, _ in nil }) throws -> RenderSummary {
        let reader = try SoundFileReader(path: inputPath)
        let kernel = try loadKernel(path: kernelPath, rate: reader.sampleRate, resample: resampleKernel, diagnostics: diagnostics)
        let k = kernel.frameCount
        if mode == .valid, let n = reader.declaredFrameCount, k > n {
            throw SFConvError.validNeedsShorterKernel(kernel: k, input: n, path: inputPath)
        }
        let plan = try blockSize.map { size in
            guard size >= PartitionPlan.minimumBlockSize, size <= PartitionPlan.maximumBlockSize, size & (size - 1) == 0 else {
                throw SFConvError("--block-size must be a power of two from \(PartitionPlan.minimumBlockSize) to \(PartitionPlan.maximumBlockSize), not \(size)")
            }
            return PartitionPlan(kernelLength: k, blockSize: size)
        }
        let template = try ConvolutionTemplate.convolution(kernel: kernel, mode: mode, correlate: correlate, channels: reader.channelCount,
                                                           inputPath: inputPath, kernelPath: kernelPath, plan: plan, planning: planning)
        return try Renderer.renderFile(reader: reader, processor: template.makeProcessor(),
                                       outputPath: outputPath, options: output, dither: false, normalizeTo: nil, label: "convolve",
                                       diagnostics: diagnostics, progress: progress)
    }
}
