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
        let (window, reverberantStart) = directWindow(h, rate: rate)
        let direct = energy(h[window])
        let reverberant = energy(h[reverberantStart...])
        guard direct > 0, reverberant > 0 else { return nil }
        let gain = Float((direct / (reverberant * pow(10, drrDB / 10))).squareRoot())
        var scaled = h
        for i in reverberantStart..<scaled.count { scaled[i] *= gain }
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
            var sum = 0.0
            for value in buffer { sum += Double(value) * Double(value) }
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
                for value in buffer { peak = max(peak, abs(value)) }
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

    /// The smallest FFT size ≥ `count` of the form 2^k, 3·2^k or 5·2^k (FFTW is fast at each, and
    /// a batch needs only a few plans).
    static func fftSize(atLeast count: Int) -> Int {
        var power = 16
        while power < count { power *= 2 }
        var best = power
        for factor in [3, 5] {
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
    public static func noiseSegment(_ noise: [[Float]], offset: Int, count: Int) -> [[Float]] {
        noise.map { channel in
            guard !channel.isEmpty else { return [Float](repeating: 0, count: count) }
            var segment = [Float]()
            segment.reserveCapacity(count)
            var position = offset % channel.count
            while segment.count < count {
                let take = min(count - segment.count, channel.count - position)
                segment.append(contentsOf: channel[position..<(position + take)])
                position = 0
            }
            return segment
        }
    }

    /// The average of all channels.
    public static func downmix(_ channels: [[Float]]) -> [Float] {
        guard channels.count > 1 else { return channels[0] }
        let scale = 1 / Float(channels.count)
        return (0..<channels[0].count).map { i in channels.reduce(0) { $0 + $1[i] } * scale }
    }
}
