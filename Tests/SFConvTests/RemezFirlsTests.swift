import Foundation
@testable import SFConv
import Testing

/// Parks–McClellan and least-squares designs against scipy (Fixtures/remez_firls.json, written by
/// Fixtures/make_remez_firls_golden.py).
@Suite struct RemezFirlsTests {
    struct Case: Decodable, Sendable, CustomTestStringConvertible {
        var name: String
        var taps: Int
        var bands: [Double]
        var desired: [Double]
        var weights: [Double]?
        var rate: Double
        var type: String?
        var coefficients: [Double]
        var testDescription: String { name }
    }

    struct Failing: Decodable, Sendable, CustomTestStringConvertible {
        var name: String
        var taps: Int
        var bands: [Double]
        var desired: [Double]
        var rate: Double
        var scipy_error: String?
        var testDescription: String { name }
    }

    struct Golden: Decodable {
        var remez: [Case]
        var remez_failing: [Failing]
        var firls: [Case]
    }

    static let golden: Golden = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/remez_firls.json")
        return try! JSONDecoder().decode(Golden.self, from: Data(contentsOf: url))
    }()

    static func maxError(_ a: [Double], _ b: [Double]) -> Double {
        let peak = b.map(abs).max()!
        return zip(a, b).map { abs($0 - $1) }.max()! / peak
    }

    @Test(arguments: golden.remez)
    func remezMatchesScipy(_ golden: Case) throws {
        let result = try ParksMcClellan.design(taps: golden.taps, bands: golden.bands, desired: golden.desired, weights: golden.weights,
                                               rate: golden.rate, type: try #require(RemezType(rawValue: golden.type ?? "bandpass")))
        #expect(result.coefficients.count == golden.taps)
        let error = Self.maxError(result.coefficients, golden.coefficients)
        #expect(error <= 1e-6, "\(golden.name): max error \(error) of the peak after \(result.iterations) iterations")
    }

    @Test(arguments: golden.firls)
    func firlsMatchesScipy(_ golden: Case) throws {
        let h = try LeastSquaresDesign.design(taps: golden.taps, bands: golden.bands, desired: golden.desired, weights: golden.weights, rate: golden.rate)
        #expect(h.count == golden.taps)
        let error = Self.maxError(h, golden.coefficients)
        #expect(error <= 1e-6, "\(golden.name): max error \(error) of the peak")
    }
}
