import Foundation

/// Symmetric windows for FIR design (scipy's `get_window(..., fftbins=False)`).
public enum Window: Sendable, Equatable {
    case rect, hann, hamming, blackman
    /// Kaiser with shape parameter β ≥ 0.
    case kaiser(beta: Double)

    /// Parses `rect`, `hann`, `hamming`, `blackman`, `kaiser` (β from `beta`, default 8.6).
    public init?(name: String, beta: Double? = nil) {
        switch name.lowercased() {
        case "rect", "rectangular", "boxcar": self = .rect
        case "hann", "hanning": self = .hann
        case "hamming": self = .hamming
        case "blackman": self = .blackman
        case "kaiser": self = .kaiser(beta: beta ?? 8.6)
        default: return nil
        }
    }

    public static let names = ["rect", "hann", "hamming", "blackman", "kaiser"]

    public var name: String {
        switch self {
        case .rect: "rect"
        case .hann: "hann"
        case .hamming: "hamming"
        case .blackman: "blackman"
        case .kaiser: "kaiser"
        }
    }

    /// The transition width of a windowed-sinc design, in cycles per sample times the number of
    /// taps (the usual table: rect 0.9, hann 3.1, hamming 3.3, blackman 5.5; Kaiser's formula
    /// for its attenuation).
    public var transitionFactor: Double {
        switch self {
        case .rect: 0.9
        case .hann: 3.1
        case .hamming: 3.3
        case .blackman: 5.5
        case .kaiser(let beta): (FIRDesign.kaiserAttenuation(beta: beta) - 7.95) / 14.36
        }
    }

    /// The `count` window values, symmetric about the centre.
    public func values(count: Int) -> [Double] {
        guard count > 1 else { return [Double](repeating: 1, count: max(count, 0)) }
        let last = Double(count - 1)
        return (0..<count).map { n in
            let x = Double(n) / last  // 0 … 1
            switch self {
            case .rect: return 1
            case .hann: return 0.5 - 0.5 * cos(2 * .pi * x)
            case .hamming: return 0.54 - 0.46 * cos(2 * .pi * x)
            case .blackman: return 0.42 - 0.5 * cos(2 * .pi * x) + 0.08 * cos(4 * .pi * x)
            case .kaiser(let beta):
                let r = 2 * x - 1
                return besselI0(beta * (max(0, 1 - r * r)).squareRoot()) / besselI0(beta)
            }
        }
    }
}

/// The modified Bessel function of the first kind, order 0, by its power series (converges for all x).
func besselI0(_ x: Double) -> Double {
    var sum = 1.0, term = 1.0
    let quarter = x * x / 4
    var k = 1.0
    while term > sum * 1e-17 {
        term *= quarter / (k * k)
        sum += term
        k += 1
    }
    return sum
}
