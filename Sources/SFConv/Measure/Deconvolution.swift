import Foundation

/// Deconvolution of a recorded sweep by the sweep that was played: the recording's spectrum times
/// the sweep's band-limited inverse, X*/|X|² inside the sweep's band (tapered over 1/6 octave at
/// each edge) and 0 outside, as one zero-padded linear convolution through FFTW.
///
/// For an exponential sweep this is Farina's method: the linear impulse response appears at lag 0
/// (plus the system's latency) and the k-th harmonic distortion product's response L·ln(k) seconds
/// before it, where L is the sweep's rate constant.
public struct SweepDeconvolver: Sendable {
    public let sampleRate: Int
    /// The band the sweep covers (where its pink-compensated spectrum is within 3 dB of its peak), Hz.
    public let band: ClosedRange<Double>
    /// The sweep's rate constant L = T / ln(f₂/f₁) in seconds, from its active length and band.
    public let rateConstant: Double
    /// The frame after the sweep's last non-silent one (the sweep file may end in silence).
    public let activeEnd: Int
    private let sweep: [Double]

    /// The taper at each band edge, in octaves.
    static let taperOctaves = 1.0 / 6

    /// - Parameters: `sweep`, the played sweep (one channel; trailing silence allowed); `path` for messages.
    public init(sweep: [Double], sampleRate: Int, path: String? = nil) throws {
        guard !sweep.isEmpty else { throw SFConvError("the sweep is empty", path: path) }
        guard sweep.allSatisfy(\.isFinite) else { throw SFConvError("the sweep holds a NaN or infinite sample", path: path) }
        let peak = sweep.map(abs).max() ?? 0
        guard peak > 0 else { throw SFConvError("the sweep is silent", path: path) }
        let first = sweep.firstIndex { abs($0) > 1e-3 * peak } ?? 0
        let last = sweep.lastIndex { abs($0) > 1e-3 * peak } ?? 0
        guard last - first >= sampleRate / 20 else {
            throw SFConvError("the sweep is too short: under 50 ms of signal", path: path)
        }
        self.sampleRate = sampleRate
        self.sweep = sweep
        activeEnd = last + 1
        let size = Self.fftSize(atLeast: sweep.count)
        let spectrum = try Self.spectrum(sweep, size: size)
        guard let detected = Self.detectBand(spectrum, size: size, rate: Double(sampleRate)) else {
            throw SFConvError("cannot find the sweep's frequency band (is it a sine sweep?)", path: path)
        }
        band = detected
        rateConstant = Self.rateConstant(spectrum, size: size, band: detected, amplitude: peak, rate: Double(sampleRate))
    }

    /// The inverse filter's weight at `frequency` Hz: 1 inside the band, a raised-cosine taper over
    /// the band's outer 1/6 octave at each edge, 0 outside.
    public func mask(at frequency: Double) -> Double {
        let lo = band.lowerBound, hi = band.upperBound
        guard frequency > lo, frequency < hi else { return 0 }
        let fromLow = log2(frequency / lo) / Self.taperOctaves
        let fromHigh = log2(hi / frequency) / Self.taperOctaves
        let x = min(1, fromLow, fromHigh)
        return 0.5 - 0.5 * cos(Double.pi * x)
    }

    /// The response `recording` holds to the sweep: lags from −(sweep frames − 1) to the
    /// recording's last frame.
    public func response(of recording: [Double]) throws -> DeconvolvedResponse {
        try responses(of: [recording])[0]
    }

    /// The responses of several recordings of one length (the channels of one recording),
    /// the sweep's spectrum computed once.
    public func responses(of recordings: [[Double]]) throws -> [DeconvolvedResponse] {
        guard let count = recordings.first?.count else { return [] }
        precondition(recordings.allSatisfy { $0.count == count })
        let size = Self.fftSize(atLeast: count + sweep.count)
        let fft = try RealFFT<Double>.shared(size: size, planning: .estimate)
        let x = try Self.spectrum(sweep, size: size, fft: fft)
        return try recordings.map { try response(of: $0, sweepSpectrum: x, fft: fft) }
    }

    private func response(of recording: [Double], sweepSpectrum x: [Double], fft: RealFFT<Double>) throws -> DeconvolvedResponse {
        let size = fft.size
        let y = try Self.spectrum(recording, size: size, fft: fft)
        let bins = size / 2 + 1
        let product = AlignedBuffer<Double>(count: 2 * bins)
        let output = AlignedBuffer<Double>(count: size)
        let binHz = Double(sampleRate) / Double(size)
        for k in 0..<bins {
            let weight = mask(at: Double(k) * binHz)
            if weight == 0 { continue }
            let (xr, xi) = (x[2 * k], x[2 * k + 1])
            let (yr, yi) = (y[2 * k], y[2 * k + 1])
            let power = xr * xr + xi * xi
            guard power > 0 else { continue }
            // Y · X* / |X|², and FFTW's inverse leaves a factor `size`.
            let scale = weight / power / Double(size)
            product.pointer[2 * k] = Double((yr * xr + yi * xi) * scale)
            product.pointer[2 * k + 1] = Double((yi * xr - yr * xi) * scale)
        }
        fft.inverse(product.pointer, output: output.pointer)
        let negative = sweep.count - 1
        var samples = [Double](repeating: 0, count: negative + recording.count)
        for j in 0..<negative { samples[j] = Double(output.pointer[size - negative + j]) }
        for k in 0..<recording.count { samples[negative + k] = Double(output.pointer[k]) }
        return DeconvolvedResponse(samples: samples, zeroLag: negative, lastFullLag: recording.count - activeEnd)
    }

    /// `h` band-limited as the deconvolution band-limits every response: what a perfect
    /// measurement of `h` with this sweep gives.
    public func bandLimited(_ h: [Double]) throws -> [Double] {
        let size = Self.fftSize(atLeast: 2 * h.count)
        let fft = try RealFFT<Double>.shared(size: size, planning: .estimate)
        let spectrum = AlignedBuffer<Double>(count: size + 2), time = AlignedBuffer<Double>(count: size)
        for i in h.indices { time.pointer[i] = Double(h[i]) }
        fft.forward(time.pointer, spectrum: spectrum.pointer)
        let binHz = Double(sampleRate) / Double(size)
        for k in 0..<(size / 2 + 1) {
            let weight = Double(mask(at: Double(k) * binHz) / Double(size))
            spectrum.pointer[2 * k] *= weight
            spectrum.pointer[2 * k + 1] *= weight
        }
        fft.inverse(spectrum.pointer, output: time.pointer)
        return (0..<h.count).map { Double(time.pointer[$0]) }
    }

    static func fftSize(atLeast count: Int) -> Int {
        var size = 16
        while size < count { size *= 2 }
        return size
    }

    /// The zero-padded real spectrum of `signal` as interleaved (re, im) Doubles.
    static func spectrum(_ signal: [Double], size: Int, fft given: RealFFT<Double>? = nil) throws -> [Double] {
        let fft = try given ?? RealFFT<Double>.shared(size: size, planning: .estimate)
        let time = AlignedBuffer<Double>(count: size), spectrum = AlignedBuffer<Double>(count: size + 2)
        for i in signal.indices { time.pointer[i] = Double(signal[i]) }
        fft.forward(time.pointer, spectrum: spectrum.pointer)
        return (0..<(size + 2)).map { Double(spectrum.pointer[$0]) }
    }

    /// The rate constant L of an exponential sweep of peak `amplitude` from its spectrum's level:
    /// by stationary phase |X(ν)|² = A²·Lₙ/(4ν) (ν in cycles per frame, Lₙ = L·rate frames), so
    /// Lₙ = 4·ν·|X(ν)|²/A², taken as the median over the band's inner part (free of the fades).
    static func rateConstant(_ spectrum: [Double], size: Int, band: ClosedRange<Double>, amplitude: Double, rate: Double) -> Double {
        let binHz = rate / Double(size)
        let inner = pow(2, 0.5)
        let lo = Int((band.lowerBound * inner / binHz).rounded(.up)), hi = Int((band.upperBound / inner / binHz).rounded(.down))
        guard hi > lo else { return 0 }
        var levels: [Double] = (lo...hi).map { k in
            let power: Double = spectrum[2 * k] * spectrum[2 * k] + spectrum[2 * k + 1] * spectrum[2 * k + 1]
            let nu = Double(k) / Double(size)
            return 4 * nu * power / (amplitude * amplitude)
        }
        levels.sort()
        return levels[levels.count / 2] / rate
    }

    /// The band where |X(f)|²·f (flat for an exponential sweep), smoothed over ±1/12 octave, is
    /// within 3 dB of its largest value.
    static func detectBand(_ spectrum: [Double], size: Int, rate: Double) -> ClosedRange<Double>? {
        let bins = size / 2 + 1
        var prefix = [Double](repeating: 0, count: bins + 1)
        for k in 0..<bins {
            let power = spectrum[2 * k] * spectrum[2 * k] + spectrum[2 * k + 1] * spectrum[2 * k + 1]
            prefix[k + 1] = prefix[k] + power * Double(k)
        }
        let ratio = pow(2, 1.0 / 12)
        let smoothed: [Double] = (0..<bins).map { k in
            guard k >= 4 else { return 0 }
            let lo = max(1, Int((Double(k) / ratio).rounded(.down)))
            let hi = min(bins - 1, Int((Double(k) * ratio).rounded(.up)))
            return (prefix[hi + 1] - prefix[lo]) / Double(hi + 1 - lo)
        }
        guard let top = smoothed.max(), top > 0 else { return nil }
        let threshold = top / 2
        guard let first = smoothed.firstIndex(where: { $0 >= threshold }),
              let last = smoothed.lastIndex(where: { $0 >= threshold }), last > first else { return nil }
        let binHz = rate / Double(size)
        let lower = Double(first) * binHz, upper = min(Double(last) * binHz, rate / 2)
        guard upper / lower >= 1.5 else { return nil }
        return lower...upper
    }
}

/// A deconvolved recording: `samples[zeroLag + k]` is the response at lag k (negative lags hold
/// the harmonic distortion products).
public struct DeconvolvedResponse: Sendable {
    public var samples: [Double]
    public var zeroLag: Int
    /// The last lag for which the whole sweep lay inside the recording (later lags see less noise).
    public var lastFullLag: Int
}
