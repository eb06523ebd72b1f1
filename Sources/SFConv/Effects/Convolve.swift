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
        case .valid: max(0, n - k + 1)
        }
    }
}

/// `convolve`: the exact convolution (or correlation) with a kernel file: no gain, no normalisation.
public struct ConvolveEffect: EffectSpec {
    /// The kernel file as written.
    public var kernel: String
    public var mode: ConvolutionMode
    /// Correlate instead of convolve (`scipy.signal.correlate`).
    public var correlate: Bool

    public init(kernel: String, mode: ConvolutionMode = .full, correlate: Bool = false) {
        self.kernel = kernel
        self.mode = mode
        self.correlate = correlate
    }

    public static let kind = EffectKind(
        name: "convolve", summary: "convolve with a kernel file, exactly",
        parameters: [
            .init("kernel", .file, required: true, help: "The kernel: an audio file whose samples are the filter taps."),
            .init("mode", .choice(noun: "mode", ConvolutionMode.allCases.map(\.rawValue)), help: "Which part to keep: full, same or valid (as scipy)."),
            .init("correlate", .flag, help: "Correlate instead of convolve (scipy.signal.correlate)."),
        ]
    ) { reader in
        ConvolveEffect(kernel: reader.text("kernel") ?? "", mode: reader.choice("mode").flatMap(ConvolutionMode.init) ?? .full,
                       correlate: reader.flag("correlate"))
    }

    public var kindName: String { "convolve" }
    public var summary: String { "\(correlate ? "correlate" : "convolve") with \(kernel), mode \(mode.rawValue)" }
    public var files: [(key: String, name: String)] { [("kernel", kernel)] }

    public func bind(_ context: BindContext) throws -> BoundEffect {
        let (path, loaded) = try context.loadFile(kernel, key: "kernel")
        let kernel = correlate ? ImpulseResponsePreparation.reversed(loaded) : loaded
        let k = kernel.frameCount, mode = self.mode, inputPath = context.inputPath, modeName = context.name("mode")
        if mode == .valid, let n = context.inputFrameCount, k > n {
            throw SFConvError.validNeedsShorterKernel(modeName, kernel: k, input: n, path: inputPath)
        }
        let routing = try context.placing(key: "kernel") {
            try ChannelRouting.resolve(inputChannels: context.channelCount, kernelChannels: kernel.channelCount, inputPath: inputPath, kernelPath: path)
        }
        let outputChannels = routing.outputChannelCount
        let (plan, bytes) = try context.convolutionPlan(kernelLength: k, kernelChannels: kernel.channelCount, routing: routing, key: "kernel")
        let spectra = try KernelSpectra(kernel: kernel, plan: plan, precision: context.precision, planning: context.planning)
        let template = ConvolutionTemplate(spectra: spectra, routing: routing) {
            WindowStage(start: mode.start(kernelLength: k), channelCount: outputChannels) { inputFrames in
                // No path here: a batch shares this stage's maker between files; the render names the file.
                if mode == .valid && k > inputFrames { throw SFConvError.validNeedsShorterKernel(modeName, kernel: k, input: inputFrames, path: nil) }
                return mode.length(inputLength: inputFrames, kernelLength: k)
            }
        }
        var bound = BoundEffect(summary: "\(correlate ? "correlate" : "convolve") with \(path), mode \(mode.rawValue)",
                           channels: (context.channelCount, outputChannels), kernelLength: k,
                           latency: -mode.start(kernelLength: k), tail: mode == .full ? k - 1 : 0,
                           length: { mode.length(inputLength: $0, kernelLength: k) },
                           makeProcessor: template.makeProcessor)
        bound.memoryBytes = bytes
        return bound
    }
}

extension SFConvError {
    static func validNeedsShorterKernel(_ modeName: String, kernel: Int, input: Int, path: String?) -> SFConvError {
        SFConvError("\(modeName) valid needs a kernel no longer than the input: kernel \(kernel) frames, input \(input) frames", path: path)
    }
}

extension BindContext {
    /// The file named at `key`, found and loaded at this rate; any failure a problem at that key.
    func loadFile(_ name: String, key: String) throws -> (path: String, audio: AudioBuffer) {
        let path = try placing(key: key) { try files.resolve(name) }
        return (path, try placing(key: key) { try files.load(path, rate: sampleRate, resample: resample, diagnostics: diagnostics) })
    }

    /// `body`'s errors as problems at `key` (so a chain names the effect and key they are about).
    func placing<T>(key: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as SFConvError {
            throw EffectProblem(key, error.description)
        }
    }
}
