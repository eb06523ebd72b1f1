// Uses sfconv's library from another package: a convolution in memory, a streaming reverb on
// buffers, and a file on disk. Each result is checked against a plain direct convolution in
// Double; the program prints what it measured and exits non-zero if a check fails.
import Foundation
import SFConv

/// The direct convolution in Double: the yardstick.
func direct(_ x: [Double], _ h: [Double]) -> [Double] {
    var y = [Double](repeating: 0, count: x.count + h.count - 1)
    for i in x.indices where x[i] != 0 {
        for j in h.indices { y[i + j] += Double(x[i]) * Double(h[j]) }
    }
    return y
}

/// Largest difference relative to the reference's peak.
func relativeError(_ y: [Double], _ reference: [Double]) -> Double {
    guard y.count == reference.count else { return .infinity }
    let peak = reference.map(abs).max() ?? 0
    let error = zip(y, reference).map { abs(Double($0) - $1) }.max() ?? 0
    return peak > 0 ? error / peak : error
}

/// Prints one checked result; false when it is outside `tolerance`.
/// The library computes in double precision unless asked for single (`precision: .single`).
func check(_ name: String, _ error: Double, tolerance: Double = 1e-12) -> Bool {
    let ok = error <= tolerance
    print("\(name) \(ok ? "ok" : "FAILED"): max error \(String(format: "%.1e", error))")
    return ok
}

var results: [Bool] = []

do {
    // A repeatable test signal and a decaying kernel.
    let x: [Double] = (0..<20_000).map { (n: Int) -> Double in
        let t = Double(n)
        return 0.5 * sin(0.013 * t) + 0.25 * sin(0.31 * t)
    }
    let h: [Double] = (0..<1500).map { (n: Int) -> Double in
        let t = Double(n)
        return exp(-t / 300) * cos(0.2 * t)
    }

    // 1. One call on arrays, like scipy.signal.convolve.
    let full = try Convolution.convolve(x, h, mode: .full)
    results.append(check("convolve", relativeError(full, direct(x, h))))
    let same = try Convolution.convolve(x, h, mode: .same)
    results.append(check("convolve same", relativeError(same, Array(direct(x, h)[749..<749 + x.count]))))

    // 2. Streaming, in blocks of an app's audio callback (here 480 frames), then the tail.
    let convolver = try Convolver(kernel: h)
    var streamed: [Double] = []
    for start in stride(from: 0, to: x.count, by: 480) {
        streamed += try convolver.process(Array(x[start..<min(start + 480, x.count)]))
    }
    streamed += convolver.flush()
    results.append(check("stream", relativeError(streamed, direct(x, h))))

    // 3. A reverb on buffers: dry + wet·(x ∗ h), no files.
    var settings = ReverbSettings()
    settings.normalization = .none
    settings.dry = Gain(linear: 1)
    settings.wet = Gain(decibels: -6)
    let reverb = try Reverb(impulse: AudioBuffer(channels: [h], sampleRate: 48000), settings: settings, inputChannelCount: 1)
    let wet = try reverb.process(x) + reverb.flush()
    var expected = direct(x, h).map { $0 * settings.wet.linear }
    for i in x.indices { expected[i] += Double(x[i]) }
    results.append(check("reverb", relativeError(wet, expected)))

    // 4. A file on disk: write the signal, read it back, convolve it, compare.
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("sfconv-embed-\(getpid()).wav").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    let writer = try SoundFileWriter(path: path, format: try OutputOptions().format(for: path, input: nil), channelCount: 1,
                                     sampleRate: 48000, overwrite: true)
    var samples = x
    try samples.withUnsafeMutableBufferPointer { try writer.write($0.baseAddress!, frameCount: x.count) }
    try writer.commit()
    let audio = try SoundFileReader(path: path).readAll(diagnostics: .silent)
    let fromFile = try Convolution.convolve(audio.channels[0], h)
    // The file is 32-bit float (a .wav's default here): the signal was rounded to float on the way.
    results.append(check("file", relativeError(fromFile, direct(x, h)), tolerance: 1e-6))
} catch {
    print("embed: error: \(error)")
    exit(1)
}
exit(results.allSatisfy { $0 } ? 0 : 1)
