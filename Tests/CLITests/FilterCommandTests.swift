import Foundation
import SFConv
import SFConvTestSupport
import Testing

@Suite struct FilterCommandTests {
    let folder: TemporaryFolder
    init() throws { folder = try TemporaryFolder() }

    func sine(_ frequency: Double, frames: Int = 48000, rate: Double = 48000) -> [Sample] {
        (0..<frames).map { Sample(0.5 * sin(2 * Double.pi * frequency * Double($0) / rate)) }
    }

    func rms(_ x: ArraySlice<Sample>) -> Double {
        (x.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(x.count)).squareRoot()
    }

    @Test func sineAtTheCutoffLosesSixDecibelsAndStopbandSinesTheAttenuation() throws {
        for (frequency, expectedDB, tolerance) in [(4000.0, -6.02, 0.1), (6000.0, -80.0, 100.0), (1000.0, 0.0, 0.01)] {
            let name = "s\(Int(frequency))"
            try writeAudio([sine(frequency)], to: folder.file("\(name).wav"))
            let result = try sfconv("filter", folder.file("\(name).wav"), folder.file("\(name)-out.wav"), "lowpass",
                                    "--cutoff", "4000", "--transition", "1000", "--attenuation", "80")
            #expect(result.status == 0, "\(result.standardError)")
            let y = try readAudio(folder.file("\(name)-out.wav")).channels[0]
            #expect(y.count == 48000)
            let gain = 20 * log10(rms(y[4000..<44000]) / rms(sine(frequency)[4000..<44000]))
            if tolerance > 50 {
                #expect(gain <= expectedDB, "\(frequency) Hz: \(gain) dB")
            } else {
                #expect(abs(gain - expectedDB) < tolerance, "\(frequency) Hz: \(gain) dB")
            }
        }
    }

    @Test func outputIsAlignedWithTheInputUnlessTheDelayIsKept() throws {
        var x = [Sample](repeating: 0, count: 2000)
        x[1000] = 1
        try writeAudio([x, x], to: folder.file("in.wav"))
        #expect(try sfconv("filter", folder.file("in.wav"), folder.file("aligned.wav"), "lowpass", "--cutoff", "5000", "--taps", "101").status == 0)
        let aligned = try readAudio(folder.file("aligned.wav"))
        #expect(aligned.frameCount == 2000 && aligned.channelCount == 2)
        let peak = aligned.channels[0].indices.max { abs(aligned.channels[0][$0]) < abs(aligned.channels[0][$1]) }!
        #expect(peak == 1000)
        #expect(try sfconv("filter", folder.file("in.wav"), folder.file("full.wav"), "lowpass", "--cutoff", "5000", "--taps", "101", "--keep-delay").status == 0)
        let full = try readAudio(folder.file("full.wav")).channels[0]
        #expect(full.count == 2100)
        #expect(full.indices.max { abs(full[$0]) < abs(full[$1]) }! == 1050)
        // Minimum phase: its natural small delay, the input's length.
        #expect(try sfconv("filter", folder.file("in.wav"), folder.file("min.wav"), "lowpass", "--cutoff", "5000", "--taps", "101", "--minimum-phase").status == 0)
        let minimum = try readAudio(folder.file("min.wav")).channels[0]
        #expect(minimum.count == 2000)
        let minimumPeak = minimum.indices.max { abs(minimum[$0]) < abs(minimum[$1]) }!
        #expect(minimumPeak >= 1000 && minimumPeak < 1015)
    }

    @Test func designWritesAKernelThatConvolveUses() throws {
        let result = try sfconv("design", "bandpass", "--low", "300", "--high", "3400", "--rate", "16000", "--taps", "101",
                                "--window", "hann", "-o", folder.file("bp.wav"), "--plot", folder.file("bp.svg"))
        #expect(result.status == 0, "\(result.standardError)")
        let kernel = try readAudio(folder.file("bp.wav"))
        #expect(kernel.sampleRate == 16000 && kernel.frameCount == 101 && kernel.channelCount == 1)
        #expect(try FileInfo.read(path: folder.file("bp.wav")).encoding == "float")
        let svg = try String(contentsOfFile: folder.file("bp.svg"), encoding: .utf8)
        #expect(svg.hasPrefix("<?xml") && svg.contains("</svg>"))
        try writeAudio([[Sample](repeating: 0, count: 50) + [1] + [Sample](repeating: 0, count: 50)], rate: 16000, to: folder.file("x.wav"))
        #expect(try sfconv("convolve", folder.file("x.wav"), folder.file("bp.wav"), folder.file("y.wav"), "--mode", "same").status == 0)
        let y = try readAudio(folder.file("y.wav")).channels[0]
        #expect(maximumError(y, kernel.channels[0].map { Double($0) }).error < 1e-6)
    }

    @Test func printAndJSON() throws {
        let printed = try sfconv("design", "lowpass", "--cutoff", "1000", "--taps", "31", "--window", "hamming", "--print")
        #expect(printed.status == 0)
        let lines = printed.standardOutput.split(separator: "\n")
        #expect(lines.count == 31)
        // scipy: 0.0025629259683244802; at least 9 significant digits.
        #expect(lines[0].hasPrefix("0.00256292596"))
        let json = try sfconv("design", "highpass", "--cutoff", "500", "--transition", "200", "--attenuation", "60", "--json")
        #expect(json.status == 0)
        let design = try JSONDecoder().decode(FilterDesign.self, from: Data(json.standardOutput.utf8))
        #expect(design.type == .highpass && design.taps % 2 == 1 && design.attenuation == 60 && design.window == "kaiser")
        #expect(design.taps == design.coefficients.count)
    }

    @Test func designErrorsAreOneLine() throws {
        for (arguments, fragment) in [
            (["design", "lowpass", "--cutoff", "30000", "--print"], "below half the rate"),
            (["design", "highpass", "--cutoff", "100", "--taps", "64", "--print"], "odd number of taps"),
            (["design", "bandpass", "--low", "500", "--high", "400", "--print"], "must be below --high"),
            (["design", "lowpass", "--cutoff", "100", "--window", "gauss", "--print"], "unknown window 'gauss'"),
            (["design", "eq", "--points", "100:3:4", "--print"], "is not HZ:DB"),
            (["design", "lowpass", "--cutoff", "100"], "say where the filter goes"),
            (["design", "wobble", "--print"], "wobble"),
        ] {
            let result = try sfconv(arguments)
            #expect(result.status != 0)
            #expect(result.errorLines.count == 1 && result.errorLines[0].hasPrefix("error: ") && result.errorLines[0].contains(fragment),
                    "\(arguments): \(result.standardError)")
        }
    }
}
