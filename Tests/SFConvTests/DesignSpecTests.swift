import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import SFConv
import Testing

/// FIR designs meet what they promise: the default length, the measured figures, the warnings.
/// Every response here is evaluated independently of the library's own measurement.
@Suite struct DesignSpecTests {
    static func decibels(_ h: [Double], _ f: Double, rate: Double) -> Double {
        20 * log10(FIRDesign.response(h, frequencies: [f], rate: rate)[0].magnitude)
    }

    static func worst(_ h: [Double], from low: Double, to high: Double, rate: Double) -> Double {
        let step = max((high - low) / 2000, 1e-3)
        let frequencies = stride(from: low, through: high, by: step).map { $0 }
        return 20 * log10(FIRDesign.response(h, frequencies: frequencies, rate: rate).map(\.magnitude).max()!)
    }

    /// The taps a warning suggests: "…; N taps would meet it".
    static func suggestedTaps(_ warning: String) -> Int? {
        warning.split(separator: ";").last?.split(separator: " ").first.flatMap { Int($0) }
    }

    /// The default-length rule as a pure function.
    @Test func defaultTransitionIsHalfTheDistanceToTheNearestEdge() throws {
        #expect(DefaultLength.transition(cutoffs: [80], rate: 48000) == 40)
        #expect(DefaultLength.transition(cutoffs: [20000], rate: 48000) == 2000)
        #expect(DefaultLength.transition(cutoffs: [300, 3400], rate: 48000) == 150)
        #expect(DefaultLength.transition(cutoffs: [45, 55], rate: 16000) == 5)
        let kaiser = Window.kaiser(beta: FIRDesign.kaiserBeta(attenuation: 60))
        // Kaiser's formula for 60 dB over 40 Hz at 48 kHz: ⌈52.05 / (2.285 π · 40/24000) + 1⌉, odd.
        #expect(try DefaultLength.taps(transition: 40, rate: 48000, window: kaiser) == 4353)
        #expect(try DefaultLength.taps(transition: 500, rate: 48000, window: .hamming) == 317)
        let error = try #require(throws: SFConvError.self) { try DefaultLength.taps(transition: 5, rate: 192000, window: kaiser) }
        #expect(error.message.contains("more than 65537") && error.message.contains("--taps"))
    }

    /// The podcaster case and a spread of others: −6 ± 0.5 dB at each cutoff, ≥ 60 dB one
    /// transition beyond it (here: every frequency past half a transition).
    @Test(arguments: [
        (FilterType.highpass, [80.0], 48000.0), (.highpass, [90], 48000), (.lowpass, [8000], 44100), (.lowpass, [15000], 32000),
        (.bandpass, [300, 3400], 48000), (.bandstop, [45, 55], 16000), (.bandpass, [100, 8000], 22050),
    ])
    func defaultDesignsMeetTheDefaultSpec(type: FilterType, cutoffs: [Double], rate: Double) throws {
        var spec = FilterSpec(type: type)
        spec.rate = rate
        if cutoffs.count == 1 { spec.cutoff = cutoffs[0] } else { (spec.low, spec.high) = (cutoffs[0], cutoffs[1]) }
        let design = try spec.design()
        #expect(design.warnings.isEmpty, "\(design.warnings)")
        let h = design.coefficients, width = DefaultLength.transition(cutoffs: cutoffs, rate: rate)
        for cutoff in cutoffs {
            #expect(abs(Self.decibels(h, cutoff, rate: rate) + 6.02) <= 0.5, "\(type) \(cutoffs) at \(cutoff) Hz")
        }
        let stops = ResponseCheck.stopbands(type: type, cutoffs: cutoffs, transition: width, rate: rate)
        #expect(!stops.isEmpty)
        for stop in stops {
            #expect(Self.worst(h, from: stop[0], to: stop[1], rate: rate) <= -60, "\(type) \(cutoffs): stopband \(stop)")
        }
        // The summary's figures are what the filter measures.
        for (measured, cutoff) in zip(design.measured.minus6dBHz ?? [], cutoffs) {
            #expect(abs(try #require(measured) - cutoff) < width / 10)
        }
        #expect((design.measured.stopbandAttenuationDB ?? 0) >= 60)
        #expect(design.summaryLine.contains("\(design.taps) taps") && design.summaryLine.contains("latency \(design.latency) frames"))
    }

    @Test func podcasterHighpassTakesOutTheHum() throws {
        var spec = FilterSpec(type: .highpass)
        spec.cutoff = 80
        let h = try spec.design().coefficients
        #expect(Self.decibels(h, 40, rate: 48000) <= -40)
        #expect(Self.decibels(h, 35, rate: 48000) <= -60)
        #expect(abs(Self.decibels(h, 80, rate: 48000) + 6.02) <= 0.5)
    }

    /// Explicit settings that miss: a warning naming the miss and taps that do meet it.
    @Test func missedCutoffWarnsWithTapsThatMeetIt() throws {
        var spec = FilterSpec(type: .highpass)
        spec.cutoff = 90
        spec.taps = 255
        let design = try spec.design()
        let warning = try #require(design.warnings.first)
        #expect(warning.contains("90 Hz cutoff") && warning.contains("not −6 dB"), "\(warning)")
        let suggested = try #require(Self.suggestedTaps(warning))
        spec.taps = suggested
        let fixed = try spec.design()
        #expect(fixed.warnings.isEmpty, "\(fixed.warnings)")
        #expect(abs(Self.decibels(fixed.coefficients, 90, rate: 48000) + 6.02) <= 0.5)
    }

    @Test func missedAttenuationWarnsWithTapsThatMeetIt() throws {
        var spec = FilterSpec(type: .bandstop)
        (spec.low, spec.high, spec.rate, spec.transition, spec.attenuation) = (45, 55, 16000, 10, 40)
        let design = try spec.design()
        let warning = try #require(design.warnings.first { $0.contains("stopband") })
        #expect(warning.contains("short of the −40 dB"), "\(warning)")
        #expect(Self.decibels(design.coefficients, 50, rate: 16000) > -40)
        let suggested = try #require(Self.suggestedTaps(warning))
        let beta = try #require(design.beta)
        let h = try FIRDesign.windowed(taps: suggested, cutoffs: [45, 55], passZero: true, window: .kaiser(beta: beta), rate: 16000)
        #expect(Self.decibels(h, 50, rate: 16000) <= -40)
    }

    @Test func equalizerPointsMustRiseAndTheDefaultLengthMeetsThem() throws {
        var spec = FilterSpec(type: .eq)
        spec.points = "100:+2,50:-1"
        let error = try #require(throws: SFConvError.self) { try spec.design() }
        #expect(error.message.contains("point 2 (50 Hz)"), "\(error.message)")
        spec.points = "50:-1,100:+2,3000:-3,12000:+4"
        let design = try spec.design()
        #expect(design.warnings.isEmpty)
        for (f, db) in [(50.0, -1.0), (100, 2), (3000, -3), (12000, 4)] {
            #expect(abs(Self.decibels(design.coefficients, f, rate: 48000) - db) <= 0.5, "\(f) Hz")
        }
        spec.taps = 255
        let short = try spec.design()
        #expect(short.warnings.first?.contains("50 Hz point") == true, "\(short.warnings)")
    }

    /// Two cutoffs close together and a stopband line next to the −6 dB one: no two labels overlap.
    @Test(arguments: FrequencyScale.allCases)
    func plotLabelsDoNotOverlap(scale: FrequencyScale) throws {
        var spec = FilterSpec(type: .bandstop)
        (spec.low, spec.high, spec.transition, spec.attenuation) = (1000, 1100, 100, 10)
        let svg = try ResponsePlot.svg(for: try spec.design(), frequencyScale: scale)
        #expect(svg.contains("frequency (Hz, \(scale.rawValue) scale)"))
        final class Collector: NSObject, XMLParserDelegate {
            var boxes: [(x0: Double, x1: Double, y0: Double, y1: Double, text: String)] = []
            var current: (Double, Double, Double, String, Bool)?
            func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
                guard name == "text" else { return }
                current = (Double(attributes["x"]!)!, Double(attributes["y"]!)!, Double(attributes["font-size"]!)!, attributes["text-anchor"] ?? "start",
                           attributes["transform"] != nil)
            }
            func parser(_ parser: XMLParser, foundCharacters string: String) {
                guard let (x, y, size, anchor, rotated) = current, !rotated else { return }
                let width = 0.6 * size * Double(string.count)
                let x0 = anchor == "middle" ? x - width / 2 : anchor == "end" ? x - width : x
                boxes.append((x0, x0 + width, y - size, y, string))
                current = nil
            }
        }
        let collector = Collector()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = collector
        #expect(parser.parse())
        let boxes = collector.boxes
        #expect(boxes.count > 10)
        for i in boxes.indices {
            for j in boxes.indices where j > i {
                let a = boxes[i], b = boxes[j]
                let overlap = a.x0 < b.x1 - 0.5 && b.x0 < a.x1 - 0.5 && a.y0 < b.y1 - 0.5 && b.y0 < a.y1 - 0.5
                #expect(!overlap, "'\(a.text)' overlaps '\(b.text)'")
            }
        }
    }

    /// remez and firls through the effect registry: a preset's arrays and an inline chain's lists.
    @Test func remezAndFirlsAreEffects() throws {
        let chain = try InlineChain.parse("remez:bands=0;4000;5000;24000:desired=1;0:taps=101:minimum_phase=true,firls:bands=0;300;500;24000:desired=0;0;1;1:taps=301",
                                          searchFolders: [])
        let remez = try #require(chain.entries[0].spec as? FilterEffect)
        let design = try remez.design(rate: 48000)
        #expect(design.minimumPhase && design.bands == [0, 4000, 5000, 24000] && design.desired == [1, 0])
        #expect(Self.worst(design.coefficients, from: 5000, to: 24000, rate: 48000) < -35)
        let firls = try #require(chain.entries[1].spec as? FilterEffect)
        let golden = try LeastSquaresDesign.design(taps: 301, bands: [0, 300, 500, 24000], desired: [0, 0, 1, 1], weights: nil, rate: 48000)
        #expect(try firls.design(rate: 48000).coefficients == golden)
        // A list that is not numbers names its key.
        let error = try #require(throws: SFConvError.self) { try InlineChain.parse("remez:bands=0;x:desired=1:taps=11", searchFolders: []) }
        #expect(error.message.contains("key 'bands'") && error.message.contains("numbers"), "\(error.message)")
    }

    /// The cases scipy's remez fails on: converge, or say what to change.
    @Test(arguments: RemezFirlsTests.golden.remez_failing)
    func remezFailsClearlyWhereScipyFails(_ failing: RemezFirlsTests.Failing) throws {
        do {
            let result = try ParksMcClellan.design(taps: failing.taps, bands: failing.bands, desired: failing.desired, weights: nil, rate: failing.rate)
            // Converged: then it must be equiripple over the bands.
            let measured = try ResponseCheck.measureBands(result.coefficients, bands: failing.bands, desired: failing.desired.flatMap { [$0, $0] }, rate: failing.rate)
            for band in measured.bands ?? [] { #expect(band.deviation <= result.weightedError * 1.05) }
        } catch let error as SFConvError {
            #expect(error.message.contains("remez did not converge") && (error.message.contains("band") || error.message.contains("taps")), "\(error.message)")
        }
    }

    @Test func bandSpecificationsAreChecked() throws {
        #expect(throws: SFConvError.self) { try ParksMcClellan.design(taps: 51, bands: [0, 1000, 900, 24000], desired: [1, 0], weights: nil, rate: 48000) }
        #expect(throws: SFConvError.self) { try ParksMcClellan.design(taps: 51, bands: [0, 1000, 2000], desired: [1, 0], weights: nil, rate: 48000) }
        #expect(throws: SFConvError.self) { try ParksMcClellan.design(taps: 51, bands: [0, 1000, 2000, 30000], desired: [1, 0], weights: nil, rate: 48000) }
        #expect(throws: SFConvError.self) { try LeastSquaresDesign.design(taps: 51, bands: [0, 1000, 2000, 24000], desired: [1, 0], weights: nil, rate: 48000) }
        #expect(throws: SFConvError.self) { try LeastSquaresDesign.design(taps: 51, bands: [0, 1000, 2000, 24000], desired: [1, 1, 0, 0], weights: [1], rate: 48000) }
    }

    // Found by an adversarial pass.

    @Test func vanishingCutoffIsAnErrorNotATrap() throws {
        var spec = FilterSpec(type: .lowpass)
        spec.cutoff = 1e-20
        let error = try #require(throws: SFConvError.self) { try spec.design() }
        #expect(error.message.contains("more than 65537"))
    }

    /// A long least-squares filter whose system is singular to working precision stays linear
    /// phase and does not bulge in its transition band.
    @Test func longFirlsStaysLinearPhaseWithoutATransitionBump() throws {
        let h = try LeastSquaresDesign.design(taps: 4095, bands: [0, 1000, 1200, 24000], desired: [1, 1, 0, 0], weights: nil, rate: 48000)
        #expect(h == h.reversed())
        #expect(Self.worst(h, from: 1000, to: 1200, rate: 48000) <= 0.5)
        #expect(Self.worst(h, from: 0, to: 1000, rate: 48000) <= 0.01 && Self.worst(h, from: 1200, to: 24000, rate: 48000) <= -80)
    }

    @Test func evenTapsCannotPassHalfTheRate() throws {
        #expect(throws: SFConvError.self) { try ParksMcClellan.design(taps: 30, bands: [0, 1000, 1500, 4000], desired: [0, 1], weights: nil, rate: 8000) }
        #expect(throws: SFConvError.self) { try LeastSquaresDesign.design(taps: 100, bands: [0, 1000, 1200, 24000], desired: [0, 0, 1, 1], weights: nil, rate: 48000) }
    }

    @Test func lowEqualizerPointsAreMetAt48kHz() throws {
        var spec = FilterSpec(type: .eq)
        spec.points = "30:-12,60:0"
        let design = try spec.design()
        #expect(design.warnings.isEmpty, "\(design.warnings)")
        #expect(abs(Self.decibels(design.coefficients, 30, rate: 48000) + 12) <= 0.5)
    }
}
