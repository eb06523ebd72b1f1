import Foundation

// The library's in-memory face for apps: convolution of arrays, and streaming convolvers, reverbs
// and FIR filters on buffers. Thin wrappers over the engine every command uses
// (`PartitionedConvolver`, `KernelSpectra`, the reverb and filter effects): no files involved.

/// One-shot convolution of arrays in memory.
public enum Convolution {
    /// The convolution of `signal` with `kernel`, like `scipy.signal.convolve(signal, kernel, mode)`:
    /// `.full` gives N + K − 1 values; `.same` N values centred on the full result (starting at
    /// index (K − 1) / 2 of it); `.valid` the |N − K| + 1 values where one array overlaps the
    /// other completely (as in SciPy, the arrays swap roles when the kernel is the longer).
    ///
    /// Computed by FFT (uniformly partitioned overlap-save): the error against an exact
    /// convolution is about 1e-15 of the result's peak in ``Precision/double``, 1e-6 in
    /// ``Precision/single`` (faster).
    ///
    /// - Throws: ``SFConvError`` when either array is empty or holds NaN or infinity.
    public static func convolve(_ signal: [Sample], _ kernel: [Sample], mode: ConvolutionMode = .full,
                                precision: Precision = .double) throws -> [Sample] {
        guard !signal.isEmpty, !kernel.isEmpty else { throw SFConvError("convolve needs two non-empty arrays (got \(signal.count) and \(kernel.count) values)") }
        guard signal.allSatisfy(\.isFinite), kernel.allSatisfy(\.isFinite) else { throw SFConvError("convolve needs finite values: an array holds NaN or infinity") }
        // Convolution commutes: transform the shorter array, stream the longer one.
        let (long, short) = signal.count >= kernel.count ? (signal, kernel) : (kernel, signal)
        let convolver = try Convolver(kernel: short, precision: precision)
        var full = try convolver.process(long)
        full += convolver.flush()
        let start: Int, count: Int
        switch mode {
        case .full: (start, count) = (0, full.count)
        case .same: (start, count) = ((kernel.count - 1) / 2, signal.count)
        case .valid: (start, count) = (short.count - 1, long.count - short.count + 1)
        }
        return Array(full[start..<start + count])
    }
}

/// A streaming convolution of interleaved audio with a fixed kernel, on the engine's partitioned
/// FFT convolver: feed blocks of any size with ``process(_:)``, then ``flush()`` for the tail.
///
/// The outputs of all calls, in order, are the full convolution: N input frames give exactly
/// N + K − 1 output frames. There is no added latency, but output comes a step at a time, so a
/// call may return fewer or more frames than it was given (at most ``stepFrames`` behind).
/// Not thread-safe: use one convolver per stream (they may share nothing but the kernel).
public final class Convolver {
    /// Interleaved channels taken by ``process(_:)``.
    public var inputChannelCount: Int { convolver.routing.inputChannelCount }
    /// Interleaved channels returned.
    public var outputChannelCount: Int { convolver.routing.outputChannelCount }
    /// The kernel's length K in frames.
    public var kernelLength: Int { convolver.plan.kernelLength }
    /// How many frames the convolver collects before it emits output (a power of two).
    public var stepFrames: Int { convolver.plan.chunkFrames }

    private let convolver: PartitionedConvolver
    private var flushed = false

    /// A convolver of mono audio with a mono kernel.
    ///
    /// - Parameters:
    ///   - kernel: K ≥ 1 finite taps.
    ///   - precision: the FFTs' arithmetic (single: faster, about 1e-6 of the peak off).
    ///   - planning: FFTW planning (``FFTPlanning/estimate`` costs nothing up front).
    public convenience init(kernel: [Sample], precision: Precision = .double, planning: FFTPlanning = .estimate) throws {
        guard !kernel.isEmpty else { throw SFConvError("the kernel is empty") }
        try self.init(kernel: AudioBuffer(channels: [kernel], sampleRate: 48000), inputChannelCount: 1, precision: precision, planning: planning)
    }

    /// A multichannel convolver.
    ///
    /// - Parameters:
    ///   - kernel: one or more channels of K ≥ 1 finite taps (its sample rate is not used).
    ///   - inputChannelCount: the channels of the audio to convolve, 1 to 256. The routing is the
    ///     `convolve` command's: a mono kernel on every channel, a kernel of as many channels as the
    ///     input per channel, a stereo kernel on mono input (mono to stereo), a 4-channel kernel on
    ///     stereo input as true stereo (L→L, L→R, R→L, R→R).
    ///   - precision: the FFTs' arithmetic (single: faster, about 1e-6 of the peak off).
    ///   - planning: FFTW planning.
    public init(kernel: AudioBuffer, inputChannelCount: Int, precision: Precision = .double, planning: FFTPlanning = .estimate) throws {
        guard kernel.frameCount > 0 else { throw SFConvError("the kernel is empty") }
        guard kernel.channels.allSatisfy({ $0.allSatisfy(\.isFinite) }) else { throw SFConvError("the kernel holds NaN or infinity") }
        guard (1...SoundFileReader.maximumChannelCount).contains(inputChannelCount) else {
            throw SFConvError("the input must have 1 to \(SoundFileReader.maximumChannelCount) channels, not \(inputChannelCount)")
        }
        let routing = try ChannelRouting.resolve(inputChannels: inputChannelCount, kernelChannels: kernel.channelCount,
                                                 inputPath: "input", kernelPath: "kernel")
        convolver = try PartitionedConvolver(kernel: kernel, routing: routing, precision: precision, planning: planning)
    }

    /// Takes interleaved frames (a multiple of ``inputChannelCount`` samples) and returns the
    /// interleaved output frames completed so far.
    ///
    /// - Throws: ``SFConvError`` after ``flush()`` (call ``reset()`` first), or for a sample count
    ///   that is not whole frames.
    public func process(_ input: [Sample]) throws -> [Sample] {
        guard !flushed else { throw SFConvError("process after flush: call reset() to start a new signal") }
        guard input.count % inputChannelCount == 0 else {
            throw SFConvError("\(input.count) samples are not whole frames of \(inputChannelCount) channels")
        }
        var output: [Sample] = []
        let channels = outputChannelCount
        input.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            convolver.process(base, frameCount: input.count / inputChannelCount) { frames, count in
                output.append(contentsOf: UnsafeBufferPointer(start: frames, count: count * channels))
            }
        }
        return output
    }

    /// Returns the rest of the convolution: all outputs then total N + K − 1 frames. Later calls
    /// return nothing until ``reset()``.
    public func flush() -> [Sample] {
        guard !flushed else { return [] }
        flushed = true
        var output: [Sample] = []
        let channels = outputChannelCount
        convolver.finish { frames, count in output.append(contentsOf: UnsafeBufferPointer(start: frames, count: count * channels)) }
        return output
    }

    /// Forgets all input, keeping the kernel: the next ``process(_:)`` starts a new signal.
    public func reset() {
        convolver.reset()
        flushed = false
    }
}

/// A streaming convolution reverb on buffers: output = dry·x + wet·(x ∗ h′), the wet path delayed
/// by the predelay, where h′ is the impulse response prepared as ``ReverbSettings`` says (trim,
/// length, reverse, normalisation) — exactly what `sfconv reverb` does to a file.
///
/// Feed interleaved blocks with ``process(_:)``; ``flush()`` returns the tail. With
/// ``TailPolicy/full`` the outputs total N + predelay + K − 1 frames.
public final class Reverb {
    /// Interleaved channels taken.
    public let inputChannelCount: Int
    /// Interleaved channels returned (stereo for mono input through a stereo or true-stereo IR).
    public let outputChannelCount: Int
    /// In Hz: the rate of the audio, to which the impulse response was resampled if needed.
    public let sampleRate: Int

    private let stream: ProcessorStream

    /// - Parameters:
    ///   - impulse: the impulse response: mono, stereo, 4-channel true stereo, or as many channels
    ///     as the input; at any rate (resampled to `sampleRate`).
    ///   - settings: wet and dry gains, predelay (ms), IR preparation and tail policy.
    ///   - inputChannelCount: the channels of the audio, 1 to 256.
    ///   - sampleRate: the audio's rate in Hz (default: the impulse response's).
    ///   - precision: the convolution's arithmetic.
    /// - Throws: ``SFConvError`` naming the setting that is out of range or does not fit.
    public init(impulse: AudioBuffer, settings: ReverbSettings = ReverbSettings(), inputChannelCount: Int, sampleRate: Int? = nil,
                precision: Precision = .double, planning: FFTPlanning = .estimate) throws {
        let rate = sampleRate ?? impulse.sampleRate
        try Self.check(settings)
        let bound = try bindInMemory(ReverbEffect(impulse: "impulse", settings: settings), name: "reverb", channelCount: inputChannelCount,
                                     sampleRate: rate, impulse: impulse, precision: precision, planning: planning)
        self.inputChannelCount = inputChannelCount
        outputChannelCount = bound.channels.output
        self.sampleRate = rate
        stream = ProcessorStream(bound)
    }

    /// The ranges the `reverb` command's keys declare, for settings made in code.
    static func check(_ settings: ReverbSettings) throws {
        for (name, gain) in [("wet", settings.wet), ("dry", settings.dry)] where !(0...ReverbSettings.maximumGain).contains(gain.linear) {
            throw SFConvError("reverb \(name): \(Numbers.format(gain.linear)) is outside 0 to \(Numbers.format(ReverbSettings.maximumGain)) (linear)")
        }
        guard (0...10_000).contains(settings.predelay) else {
            throw SFConvError("reverb predelay: \(Numbers.format(settings.predelay)) ms is outside 0 to 10000 ms")
        }
        if let length = settings.irLength, !(0.001...600).contains(length) {
            throw SFConvError("reverb ir_length: \(Numbers.format(length)) s is outside 0.001 to 600 s")
        }
        if case .milliseconds(let ms) = settings.trimStart, !(0...60_000).contains(ms) {
            throw SFConvError("reverb ir_trim_start: \(Numbers.format(ms)) ms is outside 0 to 60000 ms")
        }
    }

    /// Takes interleaved frames; returns the interleaved output frames ready so far.
    public func process(_ input: [Sample]) throws -> [Sample] { try stream.process(input) }
    /// Returns the rest of the output (the reverb's tail).
    public func flush() throws -> [Sample] { try stream.flush() }
    /// Starts a new signal, keeping the prepared impulse response.
    public func reset() { stream.reset() }
}

/// A streaming FIR filter on buffers, from a ``FilterSpec`` designed at the audio's rate or from a
/// ready ``FilterDesign``. Its warnings (a specification the taps cannot meet) are in
/// `design.warnings`.
///
/// By default the filter's delay is removed, as `sfconv filter` does: N input frames give N output
/// frames, aligned with the input (a linear-phase filter's delay is (taps − 1) / 2). With
/// `keepDelay` the outputs are the full convolution, N + taps − 1 frames.
public final class FIRFilter {
    /// The taps and their measured response.
    public let design: FilterDesign
    /// Interleaved channels taken and returned; every channel gets the same filter.
    public let channelCount: Int

    private let stream: ProcessorStream

    /// Designs `spec` at `sampleRate` (its own `rate` is replaced) and builds the filter.
    ///
    /// - Parameters:
    ///   - spec: the filter as `sfconv filter` takes it (cutoff, band edges and transition in Hz,
    ///     below `sampleRate / 2`).
    ///   - channelCount: 1 to 256.
    ///   - sampleRate: the audio's rate in Hz.
    ///   - keepDelay: keep the filter's delay and tail instead of removing them.
    ///   - precision: the convolution's arithmetic.
    public convenience init(spec: FilterSpec, channelCount: Int, sampleRate: Int, keepDelay: Bool = false, precision: Precision = .double,
                            planning: FFTPlanning = .estimate) throws {
        guard SoundFileReader.rateRange.contains(sampleRate) else {
            throw SFConvError("the sample rate must be \(SoundFileReader.rateRange.lowerBound) to \(SoundFileReader.rateRange.upperBound) Hz, not \(sampleRate)")
        }
        let design: FilterDesign
        do {
            // The rate-dependent checks of the `filter` effect, then the design.
            design = try FilterEffect(spec: spec, keepDelay: keepDelay).design(rate: Double(sampleRate))
        } catch let problem as EffectProblem {
            throw SFConvError(problem.key.map { "filter \($0): \(problem.message)" } ?? "filter: \(problem.message)")
        }
        try self.init(design: design, channelCount: channelCount, keepDelay: keepDelay, precision: precision, planning: planning)
    }

    /// A filter with ready taps (from ``FilterSpec/design()``, or decoded from JSON).
    ///
    /// - Parameters:
    ///   - design: its `coefficients` (at least one, finite) and `latency` are used.
    ///   - channelCount: 1 to 256.
    ///   - keepDelay: keep the filter's delay and tail instead of removing them.
    ///   - precision: the convolution's arithmetic.
    public init(design: FilterDesign, channelCount: Int, keepDelay: Bool = false, precision: Precision = .double,
                planning: FFTPlanning = .estimate) throws {
        guard !design.coefficients.isEmpty, design.coefficients.allSatisfy(\.isFinite) else {
            throw SFConvError("a filter needs at least one finite tap")
        }
        guard (1...SoundFileReader.maximumChannelCount).contains(channelCount) else {
            throw SFConvError("the input must have 1 to \(SoundFileReader.maximumChannelCount) channels, not \(channelCount)")
        }
        self.design = design
        self.channelCount = channelCount
        let taps = design.taps, latency = min(design.latency, taps - 1)
        let routing = ChannelRouting(inputChannels: channelCount, kernelChannels: 1)!
        let spectra = try KernelSpectra(kernel: design.kernel, precision: precision, planning: planning)
        let template = ConvolutionTemplate(spectra: spectra, routing: routing) {
            keepDelay
                ? WindowStage(start: 0, channelCount: channelCount) { $0 + taps - 1 }
                : WindowStage(start: latency, channelCount: channelCount) { $0 }
        }
        stream = ProcessorStream(make: template.makeProcessor, inputChannelCount: channelCount)
    }

    /// Takes interleaved frames; returns the interleaved output frames ready so far.
    public func process(_ input: [Sample]) throws -> [Sample] { try stream.process(input) }
    /// Returns the rest of the output.
    public func flush() throws -> [Sample] { try stream.flush() }
    /// Starts a new signal, keeping the taps.
    public func reset() { stream.reset() }
}

/// Binds one effect for audio in memory: the impulse response (if any) is served from memory.
private func bindInMemory(_ effect: some EffectSpec, name: String, channelCount: Int, sampleRate: Int, impulse: AudioBuffer?,
                          precision: Precision, planning: FFTPlanning) throws -> BoundEffect {
    guard (1...SoundFileReader.maximumChannelCount).contains(channelCount) else {
        throw SFConvError("the input must have 1 to \(SoundFileReader.maximumChannelCount) channels, not \(channelCount)")
    }
    guard SoundFileReader.rateRange.contains(sampleRate) else {
        throw SFConvError("the sample rate must be \(SoundFileReader.rateRange.lowerBound) to \(SoundFileReader.rateRange.upperBound) Hz, not \(sampleRate)")
    }
    if let impulse {
        guard impulse.frameCount > 0 else { throw SFConvError("the impulse response is empty") }
        guard impulse.channels.allSatisfy({ $0.allSatisfy(\.isFinite) }) else { throw SFConvError("the impulse response holds NaN or infinity") }
    }
    var context = BindContext(channelCount: channelCount, sampleRate: sampleRate, inputPath: "input", files: BufferFiles(impulse: impulse))
    context.planning = planning
    context.precision = precision
    do {
        return try effect.bind(context)
    } catch let problem as EffectProblem {
        throw SFConvError(problem.key.map { "\(name) \($0): \(problem.message)" } ?? "\(name): \(problem.message)")
    }
}

/// The one "file" an in-memory effect may ask for.
private struct BufferFiles: AudioFiles {
    let impulse: AudioBuffer?

    func resolve(_ name: String) throws -> String { name }

    func load(_ path: String, rate: Int, resample: Bool, diagnostics: Diagnostics) throws -> AudioBuffer {
        guard let impulse else { throw SFConvError("no audio in memory named '\(path)'") }
        return impulse.sampleRate == rate ? impulse : try Resampler.resampled(impulse, to: rate)
    }

    func check(_ path: String) throws {}
}

/// An ``AudioProcessor`` driven with arrays: process, flush, and reset (a fresh processor).
private final class ProcessorStream {
    private let make: () -> AudioProcessor
    private let inputChannelCount: Int
    private var processor: AudioProcessor
    private var flushed = false

    init(make: @escaping () -> AudioProcessor, inputChannelCount: Int) {
        self.make = make
        self.inputChannelCount = inputChannelCount
        processor = make()
    }

    convenience init(_ bound: BoundEffect) {
        self.init(make: bound.makeProcessor!, inputChannelCount: bound.channels.input)
    }

    func process(_ input: [Sample]) throws -> [Sample] {
        guard !flushed else { throw SFConvError("process after flush: call reset() to start a new signal") }
        guard input.count % inputChannelCount == 0 else {
            throw SFConvError("\(input.count) samples are not whole frames of \(inputChannelCount) channels")
        }
        var samples = input
        var output: [Sample] = []
        let channels = processor.outputChannelCount
        try samples.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            try processor.process(base, count: input.count / inputChannelCount) { frames, count in
                output.append(contentsOf: UnsafeBufferPointer(start: frames, count: count * channels))
            }
        }
        return output
    }

    func flush() throws -> [Sample] {
        guard !flushed else { return [] }
        flushed = true
        var output: [Sample] = []
        let channels = processor.outputChannelCount
        try processor.finish { frames, count in output.append(contentsOf: UnsafeBufferPointer(start: frames, count: count * channels)) }
        return output
    }

    func reset() {
        processor = make()
        flushed = false
    }
}
