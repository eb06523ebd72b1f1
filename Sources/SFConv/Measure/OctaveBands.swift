import Foundation

/// Octave and third-octave band filters in the style of IEC 61260-1 (base-ten band edges): each a
/// Butterworth band-pass of order 2·`order` (a 3rd-order low-pass prototype gives a 6th-order
/// band-pass), designed by the bilinear transform with prewarped edges and run in Double as
/// second-order sections.
public struct OctaveBand: Sendable, Equatable {
    /// The nominal centre frequency in Hz (125, 250, …; 100, 125, 160, … for thirds).
    public var nominalCentre: Double
    /// The exact mid-band frequency and band edges in Hz (base ten: G = 10^0.3).
    public var centre: Double
    public var lower: Double
    public var upper: Double

    /// Octave bands from 125 Hz to 8 kHz (the default of `analyze`).
    public static let octaves: [OctaveBand] = (-3...3).map { band(index: $0 * 3, fraction: 1) }
    /// Third-octave bands from 100 Hz to 10 kHz.
    public static let thirds: [OctaveBand] = (-10...10).map { band(index: $0, fraction: 3) }

    private static let nominalThirds: [Double] = [100, 125, 160, 200, 250, 315, 400, 500, 630, 800,
                                                   1000, 1250, 1600, 2000, 2500, 3150, 4000, 5000, 6300, 8000, 10000]

    /// Band `index` thirds of an octave from 1 kHz; `fraction` 1 for an octave, 3 for a third.
    static func band(index: Int, fraction: Int) -> OctaveBand {
        let g = pow(10, 0.3)
        let centre = 1000 * pow(g, Double(index) / 3)
        let half = pow(g, 1 / (2 * Double(fraction)))
        return OctaveBand(nominalCentre: nominalThirds[index + 10], centre: centre, lower: centre / half, upper: centre * half)
    }

    /// The band's filter at `sampleRate`; nil when the band's upper edge is not safely below half the rate.
    public func filter(sampleRate: Int, order: Int = 3) -> BandpassFilter? {
        guard upper < 0.45 * Double(sampleRate) else { return nil }
        return BandpassFilter(lower: lower, upper: upper, sampleRate: Double(sampleRate), order: order)
    }
}

/// A digital Butterworth band-pass as a cascade of biquads, unit gain at the geometric centre.
public struct BandpassFilter: Sendable {
    /// One section: (b0, b1, b2, a1, a2) with a0 = 1. Every section has its zeros at z = 1 and z = −1.
    struct Section: Sendable {
        var b0, b1, b2, a1, a2: Double
    }

    var sections: [Section]

    /// - Parameters: `lower` < `upper` band edges in Hz, both below `sampleRate / 2`; `order` of the
    ///   low-pass prototype (the band-pass has twice as many poles).
    public init(lower: Double, upper: Double, sampleRate: Double, order: Int) {
        precondition(lower > 0 && upper > lower && upper < sampleRate / 2 && order >= 1)
        let twoRate = 2 * sampleRate
        // Prewarped analog edges (rad/s).
        let w1 = twoRate * tan(Double.pi * lower / sampleRate)
        let w2 = twoRate * tan(Double.pi * upper / sampleRate)
        let w0 = (w1 * w2).squareRoot(), bandwidth = w2 - w1
        // Analog band-pass poles from the prototype's left-half-plane poles, upper half-plane only
        // (each has a conjugate partner): s = (p·B ± √(p²B² − 4ω₀²)) / 2.
        var analogPoles: [Complex] = []
        for k in 0..<order {
            let angle = Double.pi * Double(2 * k + order + 1) / Double(2 * order)
            let p = Complex(cos(angle), sin(angle))
            guard p.im >= -1e-12 else { continue }
            let pb = p * bandwidth
            let root = (pb * pb - Complex(4 * w0 * w0, 0)).squareRoot()
            for s in [(pb + root) * 0.5, (pb - root) * 0.5] {
                // A real prototype pole gives a conjugate pair: keep one of them.
                if abs(p.im) < 1e-12 && s.im < 0 { continue }
                analogPoles.append(s)
            }
        }
        // Bilinear transform: z = (2fs + s) / (2fs − s). Each conjugate pair of z-poles gives
        // a denominator 1 − 2·Re(z)·z⁻¹ + |z|²·z⁻², numerator 1 − z⁻² (a zero at DC and one at Nyquist).
        sections = analogPoles.map { s in
            let z = (Complex(twoRate, 0) + s) / (Complex(twoRate, 0) - s)
            return Section(b0: 1, b1: 0, b2: -1, a1: -2 * z.re, a2: z.re * z.re + z.im * z.im)
        }
        // Unit gain at the digital image of ω₀.
        let centre = 2 * atan(w0 / twoRate)
        let gain = Self.magnitude(sections, at: centre)
        let perSection = pow(1 / gain, 1 / Double(sections.count))
        for i in sections.indices {
            sections[i].b0 *= perSection
            sections[i].b2 *= perSection
        }
    }

    /// |H(e^{jω})| of `sections` at `omega` rad/sample.
    static func magnitude(_ sections: [Section], at omega: Double) -> Double {
        let z1 = Complex(cos(omega), -sin(omega)), z2 = z1 * z1
        var h = Complex(1, 0)
        for s in sections {
            let numerator = Complex(s.b0, 0) + z1 * s.b1 + z2 * s.b2
            let denominator = Complex(1, 0) + z1 * s.a1 + z2 * s.a2
            h = h * (numerator / denominator)
        }
        return h.magnitude
    }

    /// The magnitude response at `frequency` Hz.
    public func magnitude(at frequency: Double, sampleRate: Double) -> Double {
        Self.magnitude(sections, at: 2 * Double.pi * frequency / sampleRate)
    }

    /// The signal filtered forward (causal), in Double.
    public func apply(_ input: [Double]) -> [Double] {
        var signal = input
        for s in sections {
            var state1 = 0.0, state2 = 0.0
            signal.withUnsafeMutableBufferPointer { samples in
                for i in samples.indices {
                    // Transposed direct form II.
                    let x = samples[i]
                    let y = s.b0 * x + state1
                    state1 = s.b1 * x - s.a1 * y + state2
                    state2 = s.b2 * x - s.a2 * y
                    samples[i] = y
                }
            }
        }
        return signal
    }
}

/// Just enough complex arithmetic for filter design.
struct Complex: Sendable, Equatable {
    var re: Double
    var im: Double

    init(_ re: Double, _ im: Double) {
        self.re = re
        self.im = im
    }

    var magnitude: Double { (re * re + im * im).squareRoot() }

    static func + (a: Complex, b: Complex) -> Complex { Complex(a.re + b.re, a.im + b.im) }
    static func - (a: Complex, b: Complex) -> Complex { Complex(a.re - b.re, a.im - b.im) }
    static func * (a: Complex, b: Complex) -> Complex { Complex(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re) }
    static func * (a: Complex, b: Double) -> Complex { Complex(a.re * b, a.im * b) }
    static func / (a: Complex, b: Complex) -> Complex {
        let d = b.re * b.re + b.im * b.im
        return Complex((a.re * b.re + a.im * b.im) / d, (a.im * b.re - a.re * b.im) / d)
    }

    /// The principal square root.
    func squareRoot() -> Complex {
        let m = magnitude
        let r = ((m + re) / 2).squareRoot()
        let i = ((m - re) / 2).squareRoot()
        return Complex(r, im < 0 ? -i : i)
    }
}
