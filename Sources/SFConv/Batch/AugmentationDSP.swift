import CSFConvKernels
import Foundation

/// The signal steps of reverb augmentation, as small pure functions over planar `[Float]`
/// channels in memory (a batch's speech files are seconds long): IR measurements (direct sound,
/// DRR, broadband T30), IR edits (DRR rescaling, the early part), FFT convolution through a
/// channel routing, and energy and peak helpers.
public enum AugmentationDSP {
    /// Half the width of the direct sound's window around its peak, in seconds (±2.5 ms).
    public static let directWindowSeconds = 0.0025

    /// The direct sound: the frame of the largest |h| over all channels (Lhotse's argmax; what
    /// Kaldi's shift-output advances by). Every output channel is advanced by this one shift, so
    /// the delays between channels are kept.
    public static func directPeak(_ channels: [[Float]]) -> Int {
        var best: Float = -1, index = 0
        for channel in channels {
            for (i, value) in channel.enumerated() where abs(value) > best {
                best = abs(value)
                index = i
            }
        }
        return index
    }

    /// The direct window of one channel: frames within ±2.5 ms of its own peak, and the first
    /// frame after it (where the reverberant part starts).
    static func directWindow(_ h: [Float], rate: Int) -> (range: Range<Int>, reverberantStart: Int) {
        let peak = directPeak([h])
        let half = Int((directWindowSeconds * Double(rate)).rounded())
        let start = max(0, peak - half), end = min(h.count, peak + half + 1)
        return (start..<end, end)
    }

    /// The direct-to-reverberant ratio in dB: energy within ±2.5 ms of the peak over the energy
    /// of everything after that window. Nil when either is zero.
    public static func directToReverberantDB(_ h: [Float], rate: Int) -> Double? {
        let (window, reverberantStart) = directWindow(h, rate: rate)
        let direct = energy(h[window])
        let reverberant = energy(h[reverberantStart...])
        guard direct > 0, reverberant > 0 else { return nil }
        return 10 * log10(direct / reverberant)
    }

    /// `h` with its reverberant part (everything after the direct window) scaled so that the DRR
    /// becomes `drrDB`; nil when the IR has no reverberant part (or no direct sound) to scale.
    public static func withDirectToReverberant(_ h: [Float], rate: Int, drrDB: Double) -> [Float]? {
        reverberantGain(h, rate: rate, drrDB: drrDB).map { scaled(h, from: $0.start, by: $0.gain) }
    }

    /// The gain on `h`'s reverberant part (from frame `start`, after the direct window) that makes
    /// its DRR `drrDB`; nil when the IR has no reverberant part (or no direct sound).
    static func reverberantGain(_ h: [Float], rate: Int, drrDB: Double) -> (gain: Float, start: Int)? {
        let (window, reverberantStart) = directWindow(h, rate: rate)
        let direct = energy(h[window])
        let reverberant = energy(h[reverberantStart...])
        guard direct > 0, reverberant > 0 else { return nil }
        return (Float((direct / (reverberant * pow(10, drrDB / 10))).squareRoot()), reverberantStart)
    }

    /// `h` with its frames from `start` on times `gain`.
    static func scaled(_ h: [Float], from start: Int, by gain: Float) -> [Float] {
        var scaled = h
        scaled.withUnsafeMutableBufferPointer { samples in
            for i in start..<samples.count { samples[i] *= gain }
        }
        return scaled
    }

    /// The broadband T30 in seconds: Schroeder's backward integral of h² (summed over channels),
    /// in dB, fitted by least squares between −5 and −35 dB; 60 dB over that slope. Nil when the
    /// IR is silent. No noise-floor compensation (and a truncated IR's curve
    /// bends down at its end): meant for clean (measured
    /// or synthetic) IRs, to sort them by reverberation time. Kept small so that the shared room
    /// analysis can replace it.
    public static func t30(_ channels: [[Float]], rate: Int) -> Double? {
        let frameCount = channels.map(\.count).max() ?? 0
        guard frameCount > 1 else { return nil }
        var decay = [Double](repeating: 0, count: frameCount)
        var sum = 0.0
        for i in stride(from: frameCount - 1, through: 0, by: -1) {
            for channel in channels where i < channel.count { sum += Double(channel[i]) * Double(channel[i]) }
            decay[i] = sum
        }
        guard sum > 0 else { return nil }
        var n = 0.0, sx = 0.0, sy = 0.0, sxx = 0.0, sxy = 0.0
        var reached = false
        for (i, value) in decay.enumerated() {
            let level = 10 * log10(max(value / sum, 1e-300))
            if level < -35 { reached = true; break }
            guard level <= -5 else { continue }
            let t = Double(i) / Double(rate)
            n += 1; sx += t; sy += level; sxx += t * t; sxy += t * level
        }
        guard reached, n >= 2 else { return nil }
        let slope = (n * sxy - sx * sy) / (n * sxx - sx * sx)
        guard slope < 0, slope.isFinite else { return nil }
        return -60 / slope
    }

    /// Σ x² in Double.
    static func energy(_ samples: ArraySlice<Float>) -> Double {
        samples.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return 0 }
            // Eight running sums in Double, eight samples at a time.
            let raw = UnsafeRawPointer(base)
            var sums = SIMD8<Double>(repeating: 0)
            let whole = buffer.count / 8 * 8
            for i in stride(from: 0, to: whole, by: 8) {
                let values = SIMD8<Double>(raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self))
                sums += values * values  // not addProduct: without FMA in the target that is a libm call per lane
            }
            var sum = sums.sum()
            for i in whole..<buffer.count { sum += Double(base[i]) * Double(base[i]) }
            return sum
        }
    }

    /// Σ x² over all channels.
    public static func energy(_ channels: [[Float]]) -> Double {
        channels.reduce(0.0) { $0 + energy($1[...]) }
    }

    /// The largest |x| over all channels.
    public static func peak(_ channels: [[Float]]) -> Float {
        var peak: Float = 0
        for channel in channels {
            channel.withUnsafeBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return }
                // Sixteen running maxima of |x| (NaN is passed over, as `max` does).
                let raw = UnsafeRawPointer(base)
                var maxima = SIMD16<Float>(repeating: 0)
                let whole = buffer.count / 16 * 16
                for i in stride(from: 0, to: whole, by: 16) {
                    let bits = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<UInt32>.self) & 0x7FFF_FFFF
                    let magnitudes = unsafeBitCast(bits, to: SIMD16<Float>.self)
                    maxima.replace(with: magnitudes, where: maxima .< magnitudes)
                }
                peak = max(peak, maxima.max())
                for i in whole..<buffer.count { peak = max(peak, abs(base[i])) }
            }
        }
        return peak
    }

    /// Every sample times `gain`, in place.
    public static func scale(_ channels: inout [[Float]], by gain: Float) {
        for c in channels.indices {
            channels[c].withUnsafeMutableBufferPointer { buffer in
                for i in buffer.indices { buffer[i] *= gain }
            }
        }
    }

    /// The smallest FFT size ≥ `count` of the form 2^k, 25·2^k or 75·2^k: a batch needs only a few
    /// plans, and FFTW's estimated plans ran these at 3.7–5.4 ns a point (forward and inverse, 2^15
    /// to 2^18) where 3·2^k took 5.9–7.4 (one core of the 2-core benchmark machine).
    static func fftSize(atLeast count: Int) -> Int {
        var power = 16
        while power < count { power *= 2 }
        var best = power
        for factor in [25, 75] {
            var size = factor * 16
            while size < count { size *= 2 }
            best = min(best, size)
        }
        return best
    }

    /// The convolution of `inputs` with `kernels` through `routing`: output c = Σ over the
    /// routing's terms into c of input[term.input] ∗ kernel[term.kernelChannel], each output
    /// channel `frames` frames long from frame `start` of the full convolution (frames past the
    /// full length are zero). One FFT per input and kernel channel; the plan is shared per size.
    ///
    /// `cacheKeys[i]`, when given, names kernel set i: its spectra are kept (up to
    /// ``kernelCacheBytes`` for the process) and reused by every call with the same key and size.
    public static func convolve(_ inputs: [[Float]], _ kernelSets: [[[Float]]], routing: ChannelRouting,
                                start: Int, frames: Int, cacheKeys: [String?] = []) throws -> [[[Float]]] {
        let inputLength = inputs.map(\.count).max() ?? 0
        let kernelLength = kernelSets.flatMap { $0 }.map(\.count).max() ?? 0
        let fullLength = inputLength + kernelLength - 1
        if kernelLength <= directKernelLimit {
            return kernelSets.map { directConvolution(inputs, $0, routing: routing, start: start, frames: frames) }
        }
        let size = fftSize(atLeast: max(fullLength, 2))
        let fft = try RealFFT<Float>.shared(size: size, planning: .estimate)
        let bins = size / 2 + 1
        return withWorkspace(size: size) { workspace in
            let time = workspace.time, sum = workspace.sum
            var used = 0
            func spectrum(_ samples: [Float]) -> AlignedBuffer<Float> {
                let count = min(samples.count, size)
                samples.withUnsafeBufferPointer { time.pointer.update(from: $0.baseAddress!, count: count) }
                (time.pointer + count).update(repeating: 0, count: size - count)
                let result = workspace.spectrum(used)
                used += 1
                fft.forward(time.pointer, spectrum: result.pointer)
                return result
            }
            let inputSpectra = inputs.map(spectrum)
            let scale = 1 / Float(size)
            let available = max(0, min(frames, fullLength - start))
            return kernelSets.enumerated().map { index, kernels in
                let key = index < cacheKeys.count ? cacheKeys[index].map { "\($0) \(size)" } : nil
                let kernelSpectra = key.flatMap(cachedSpectra) ?? {
                    let computed = kernels.map(spectrum)
                    guard let key else { return computed }
                    // Copies: the computed buffers belong to this workspace.
                    let kept = computed.map { buffer -> AlignedBuffer<Float> in
                        let copy = AlignedBuffer<Float>(count: buffer.count)
                        copy.pointer.update(from: buffer.pointer, count: buffer.count)
                        return copy
                    }
                    keepSpectra(kept, key: key)
                    return computed
                }()
                return (0..<routing.outputChannelCount).map { output in
                    sum.zero()
                    for term in routing.terms where term.output == output {
                        // The convolution engine's C multiply-accumulate (vectorised for the running CPU).
                        sfconv_complex_multiply_accumulate(sum.pointer, inputSpectra[term.input].pointer, kernelSpectra[term.kernelChannel].pointer, bins)
                    }
                    fft.inverse(sum.pointer, output: time.pointer)
                    var channel = [Float](repeating: 0, count: frames)
                    channel.withUnsafeMutableBufferPointer { out in
                        for i in 0..<available { out[i] = time.pointer[start + i] * scale }
                    }
                    return channel
                }
            }
        }
    }

    /// An impulse response as parts of fixed samples, each with this file's gain: h′ = Σ gain · part,
    /// and the early kernel h′_early the same with the early gains. With a DRR drawn per file
    /// the parts are an IR's direct and reverberant frames, split where the early kernel ends; their
    /// spectra are kept, so a file costs one forward FFT and one inverse per signal.
    struct KernelParts {
        /// The IR's channels before the gains.
        var channels: [[Float]]
        /// Per channel, the frames where its parts begin, ascending from 0 (the last runs to the channel's end).
        var starts: [[Int]]
        /// Per channel and part: the gain in h′, and in h′_early (0 where a part lies past its end).
        var gains: [[Float]]
        var earlyGains: [[Float]]?
        /// Names the channels and part boundaries (the FFT size is added): spectra kept under it.
        var cacheKey: String

        /// The parts of `channels` whose frames from `reverberant[c].start` on take
        /// `reverberant[c].gain`, all `normalization`; with `earlyEnd`, h′_early is h′'s first
        /// `earlyEnd` frames. `reverberant` empty: no reverberant gain.
        init(_ channels: [[Float]], reverberant: [(gain: Float, start: Int)], normalization: Float, earlyEnd: Int?, cacheKey: String) {
            self.channels = channels
            self.cacheKey = cacheKey
            starts = []
            gains = []
            earlyGains = earlyEnd == nil ? nil : []
            for (c, channel) in channels.enumerated() {
                let count = channel.count
                let (gain, reverberantStart) = c < reverberant.count ? reverberant[c] : (1, count)
                let end = min(earlyEnd ?? count, count)
                // Direct and early, the part between (direct but late, or reverberant and early), reverberant and late.
                let bounds = [0, min(reverberantStart, end), max(reverberantStart, end), count]
                let middleGain: Float = end < reverberantStart ? 1 : gain
                let full: [Float] = [1, middleGain, gain].map { $0 * normalization }
                let early: [Float] = [1, end < reverberantStart ? 0 : gain, 0].map { $0 * normalization }
                var channelStarts: [Int] = [], channelGains: [Float] = [], channelEarly: [Float] = []
                for part in 0..<3 where bounds[part] < bounds[part + 1] {
                    channelStarts.append(bounds[part])
                    channelGains.append(full[part])
                    channelEarly.append(early[part])
                }
                starts.append(channelStarts)
                gains.append(channelGains)
                earlyGains?.append(channelEarly)
            }
            self.cacheKey = cacheKey + " " + starts.map { $0.map(String.init).joined(separator: ",") }.joined(separator: ";")
        }

        /// Part `part` of channel `c`: its first frame and its frames.
        func part(_ part: Int, ofChannel c: Int) -> (start: Int, samples: ArraySlice<Float>) {
            let start = starts[c][part], end = part + 1 < starts[c].count ? starts[c][part + 1] : channels[c].count
            return (start, channels[c][start..<end])
        }

        /// h′ (or h′_early) in the time domain.
        func kernels(early: Bool) -> [[Float]] {
            channels.indices.map { c in
                var kernel = [Float](repeating: 0, count: channels[c].count)
                for index in starts[c].indices {
                    let gain = early ? earlyGains![c][index] : gains[c][index]
                    let (start, samples) = part(index, ofChannel: c)
                    for (offset, value) in samples.enumerated() { kernel[start + offset] = gain * value }
                }
                return kernel
            }
        }
    }

    /// The convolution of `inputs` with h′ (and h′_early, when `kernel` has early gains) through
    /// `routing`, as ``convolve(_:_:routing:start:frames:cacheKeys:)`` gives for the kernels
    /// summed in the time domain. The parts' spectra are kept (up to ``partCacheBytes``; the least
    /// recently used go first) and combined with the gains in the spectrum, a few hundred bins at a time.
    static func convolve(_ inputs: [[Float]], parts kernel: KernelParts, routing: ChannelRouting,
                         start: Int, frames: Int) throws -> (output: [[Float]], early: [[Float]]?) {
        let hasEarly = kernel.earlyGains != nil
        let inputLength = inputs.map(\.count).max() ?? 0
        let kernelLength = kernel.channels.map(\.count).max() ?? 0
        let fullLength = inputLength + kernelLength - 1
        if kernelLength <= directKernelLimit {
            let output = directConvolution(inputs, kernel.kernels(early: false), routing: routing, start: start, frames: frames)
            return (output, hasEarly ? directConvolution(inputs, kernel.kernels(early: true), routing: routing, start: start, frames: frames) : nil)
        }
        let size = fftSize(atLeast: max(fullLength, 2))
        let fft = try RealFFT<Float>.shared(size: size, planning: .estimate)
        let bins = size / 2 + 1
        let key = "\(kernel.cacheKey) \(size)"
        let partSpectra: [[AlignedBuffer<Float>]] = partCache.spectra(key) ?? {
            // Computed outside the workspace: these buffers are kept.
            let time = AlignedBuffer<Float>(count: size)
            let computed = kernel.channels.indices.map { c in
                kernel.starts[c].indices.map { index -> AlignedBuffer<Float> in
                    let (partStart, samples) = kernel.part(index, ofChannel: c)
                    time.zero()
                    samples.withUnsafeBufferPointer { (time.pointer + partStart).update(from: $0.baseAddress!, count: $0.count) }
                    let spectrum = AlignedBuffer<Float>(count: size + 2)
                    fft.forward(time.pointer, spectrum: spectrum.pointer)
                    return spectrum
                }
            }
            partCache.keep(computed, key: key)
            return computed
        }()
        return withWorkspace(size: size) { workspace in
            let time = workspace.time, sum = workspace.sum
            let earlySum = workspace.spectrum(inputs.count)
            let inputSpectra = inputs.indices.map { index -> AlignedBuffer<Float> in
                let spectrum = workspace.spectrum(index)
                inputs[index].withUnsafeBufferPointer { time.pointer.update(from: $0.baseAddress!, count: min($0.count, size)) }
                (time.pointer + min(inputs[index].count, size)).update(repeating: 0, count: size - min(inputs[index].count, size))
                fft.forward(time.pointer, spectrum: spectrum.pointer)
                return spectrum
            }
            // The inverse FFT's 1/size goes into the gains.
            let scale = 1 / Float(size)
            let available = max(0, min(frames, fullLength - start))
            let chunkFull = workspace.chunk, chunkEarly = workspace.chunk + 2 * Workspace.chunkBins
            var output: [[Float]] = [], early: [[Float]] = []
            for channel in 0..<routing.outputChannelCount {
                sum.zero()
                if hasEarly { earlySum.zero() }
                for term in routing.terms where term.output == channel {
                    let c = term.kernelChannel
                    let spectra = partSpectra[c].map(\.pointer)
                    let gains = kernel.gains[c].map { $0 * scale }, earlyGains = kernel.earlyGains?[c].map { $0 * scale }
                    let input = inputSpectra[term.input].pointer
                    var bin = 0
                    while bin < bins {
                        // This chunk of h′'s (and h′_early's) spectrum from the parts, then times the input's.
                        let count = min(Workspace.chunkBins, bins - bin), offset = 2 * bin
                        combine(spectra, gains: gains, offset: offset, floats: 2 * count, into: chunkFull)
                        sfconv_complex_multiply_accumulate(sum.pointer + offset, input + offset, chunkFull, count)
                        if let earlyGains {
                            combine(spectra, gains: earlyGains, offset: offset, floats: 2 * count, into: chunkEarly)
                            sfconv_complex_multiply_accumulate(earlySum.pointer + offset, input + offset, chunkEarly, count)
                        }
                        bin += count
                    }
                }
                func signal(_ spectrum: AlignedBuffer<Float>) -> [Float] {
                    fft.inverse(spectrum.pointer, output: time.pointer)
                    var samples = [Float](repeating: 0, count: frames)
                    if available > 0 { samples.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: time.pointer + start, count: available) } }
                    return samples
                }
                output.append(signal(sum))
                if hasEarly { early.append(signal(earlySum)) }
            }
            return (output, hasEarly ? early : nil)
        }
    }

    /// `target[i] = Σ gains[p] · spectra[p][offset + i]` for `floats` floats (parts with gain 0 skipped).
    private static func combine(_ spectra: [UnsafeMutablePointer<Float>], gains: [Float], offset: Int, floats: Int,
                                into target: UnsafeMutablePointer<Float>) {
        target.update(repeating: 0, count: floats)
        for (spectrum, gain) in zip(spectra, gains) where gain != 0 {
            let source = spectrum + offset
            for i in 0..<floats { target[i] += gain * source[i] }
        }
    }

    /// The most bytes of part spectra kept (a few IRs' worth at each FFT size: the batch runs the
    /// files of one IR together).
    static let partCacheBytes = 24 << 20
    private static let partCache = SpectraCache(capacity: partCacheBytes)

    /// Spectra by name, the least recently used dropped first beyond `capacity` bytes.
    final class SpectraCache: @unchecked Sendable {
        private struct Entry {
            var spectra: [[AlignedBuffer<Float>]]
            var bytes: Int
            var lastUse: Int
        }
        private let capacity: Int
        private let entries = LockedValue<(byKey: [String: Entry], bytes: Int, clock: Int)>(([:], 0, 0))

        init(capacity: Int) { self.capacity = capacity }

        func spectra(_ key: String) -> [[AlignedBuffer<Float>]]? {
            entries.withLock { state in
                guard var entry = state.byKey[key] else { return nil }
                state.clock += 1
                entry.lastUse = state.clock
                state.byKey[key] = entry
                return entry.spectra
            }
        }

        func keep(_ spectra: [[AlignedBuffer<Float>]], key: String) {
            let bytes = spectra.joined().reduce(0) { $0 + $1.count * MemoryLayout<Float>.size }
            guard bytes <= capacity else { return }
            entries.withLock { state in
                guard state.byKey[key] == nil else { return }
                while state.bytes + bytes > capacity, let oldest = state.byKey.min(by: { $0.value.lastUse < $1.value.lastUse }) {
                    state.byKey[oldest.key] = nil
                    state.bytes -= oldest.value.bytes
                }
                state.clock += 1
                state.byKey[key] = Entry(spectra: spectra, bytes: bytes, lastUse: state.clock)
                state.bytes += bytes
            }
        }
    }

    /// An IR file's h′ without a DRR drawn: `channels` (selected for the routing) scaled to unit
    /// energy per output, with its DRR, gain and direct peak. Prepared once per `key` (the file,
    /// its channel selection and rate) for the process: the same for every file that draws it.
    static func preparedKernel(_ key: String, _ channels: [[Float]], rate: Int, routing: ChannelRouting)
        -> (channels: [[Float]], drrDB: Double?, normalization: Float, peak: Int) {
        if let known = preparedKernels.withLock({ $0[key] }) { return known }
        var scaled = channels
        let normalization = Float(ImpulseResponsePreparation.normalizationGain(AudioBuffer(channels: channels.map { $0.map(Sample.init) }, sampleRate: rate),
                                                                               rule: .energy, routing: routing))
        scale(&scaled, by: normalization)
        let prepared = (scaled, directToReverberantDB(channels[0], rate: rate), normalization, directPeak(scaled))
        preparedKernels.withLock { $0[key] = prepared }
        return prepared
    }

    private static let preparedKernels = LockedValue<[String: (channels: [[Float]], drrDB: Double?, normalization: Float, peak: Int)]>([:])

    /// The most bytes of kernel spectra kept for reuse (a folder of IRs without DRR draws).
    static let kernelCacheBytes = 256 << 20
    private static let kernelCache = LockedValue<(spectra: [String: [AlignedBuffer<Float>]], bytes: Int)>(([:], 0))

    private static func cachedSpectra(_ key: String) -> [AlignedBuffer<Float>]? {
        kernelCache.withLock { $0.spectra[key] }
    }

    private static func keepSpectra(_ spectra: [AlignedBuffer<Float>], key: String) {
        let bytes = spectra.reduce(0) { $0 + $1.count * MemoryLayout<Float>.size }
        kernelCache.withLock { cache in
            guard cache.spectra[key] == nil, cache.bytes + bytes <= kernelCacheBytes else { return }
            cache.spectra[key] = spectra
            cache.bytes += bytes
        }
    }

    /// FFT buffers of one size, reused from file to file (fresh ones per file cost page faults).
    final class Workspace: @unchecked Sendable {
        let size: Int
        let time: AlignedBuffer<Float>
        let sum: AlignedBuffer<Float>
        private var spectra: [AlignedBuffer<Float>] = []
        /// Two chunks of ``chunkBins`` complex values (the kernel spectra being combined).
        private let chunkBuffer = AlignedBuffer<Float>(count: 4 * Workspace.chunkBins)
        var chunk: UnsafeMutablePointer<Float> { chunkBuffer.pointer }
        static let chunkBins = 512

        init(size: Int) {
            self.size = size
            time = AlignedBuffer<Float>(count: size)
            sum = AlignedBuffer<Float>(count: size + 2)
        }

        /// The `index`th spectrum buffer (size/2 + 1 complex bins).
        func spectrum(_ index: Int) -> AlignedBuffer<Float> {
            while spectra.count <= index { spectra.append(AlignedBuffer<Float>(count: size + 2)) }
            return spectra[index]
        }
    }

    /// Idle workspaces by FFT size: at most one per concurrent file and size.
    private static let workspaces = LockedValue<[Int: [Workspace]]>([:])

    static func withWorkspace<T>(size: Int, _ body: (Workspace) throws -> T) rethrows -> T {
        let workspace = workspaces.withLock { $0[size]?.popLast() } ?? Workspace(size: size)
        defer { workspaces.withLock { $0[size, default: []].append(workspace) } }
        return try body(workspace)
    }

    /// Kernels up to this many taps are convolved directly: cheaper than FFTs of the whole file.
    static let directKernelLimit = 32

    /// The same as ``convolve(_:_:routing:start:frames:)`` for one kernel set, in the time domain.
    static func directConvolution(_ inputs: [[Float]], _ kernels: [[Float]], routing: ChannelRouting, start: Int, frames: Int) -> [[Float]] {
        (0..<routing.outputChannelCount).map { output in
            var channel = [Float](repeating: 0, count: frames)
            channel.withUnsafeMutableBufferPointer { out in
                for term in routing.terms where term.output == output {
                    inputs[term.input].withUnsafeBufferPointer { x in
                        kernels[term.kernelChannel].withUnsafeBufferPointer { h in
                            for n in 0..<frames {
                                let index = start + n
                                let first = max(0, index - x.count + 1), end = min(h.count, index + 1)
                                guard first < end else { continue }
                                var sum: Float = 0
                                for j in first..<end { sum += h[j] * x[index - j] }
                                out[n] += sum
                            }
                        }
                    }
                }
            }
            return channel
        }
    }

    /// `count` frames of `noise` (planar) from `offset`, looped when shorter.
    public static func noiseSegment(_ noise: [[Sample]], offset: Int, count: Int) -> [[Float]] {
        noise.map { channel in
            guard !channel.isEmpty else { return [Float](repeating: 0, count: count) }
            return [Float](unsafeUninitializedCapacity: count) { segment, initialized in
                channel.withUnsafeBufferPointer { source in
                    var position = offset % source.count
                    for i in 0..<count {
                        segment[i] = Float(source[position])
                        position += 1
                        if position == source.count { position = 0 }
                    }
                }
                initialized = count
            }
        }
    }

    /// Channels converted to Float (a pass each, rather than `map`'s element-wise appends).
    public static func floats(_ channels: [[Sample]]) -> [[Float]] {
        channels.map { channel in
            [Float](unsafeUninitializedCapacity: channel.count) { converted, initialized in
                channel.withUnsafeBufferPointer { source in
                    for i in source.indices { converted[i] = Float(source[i]) }
                }
                initialized = channel.count
            }
        }
    }

    /// The average of all channels.
    public static func downmix<Value: BinaryFloatingPoint>(_ channels: [[Value]]) -> [Value] {
        guard channels.count > 1 else { return channels[0] }
        let scale = 1 / Value(channels.count)
        return (0..<channels[0].count).map { i in channels.reduce(0) { $0 + $1[i] } * scale }
    }
}
