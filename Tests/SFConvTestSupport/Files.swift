import Foundation
import SFConv

/// A fresh temporary folder, removed by `remove()`.
public struct TemporaryFolder {
    public let path: String

    public init() throws {
        path = NSTemporaryDirectory() + "sfconv-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    public func file(_ name: String) -> String { path + "/" + name }

    public func remove() { try? FileManager.default.removeItem(atPath: path) }

    /// Names in the folder (hidden files included), sorted.
    public func contents() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
    }
}

/// Writes planar channels as a file (float WAV unless the path or subtype says otherwise).
public func writeAudio<S: BinaryFloatingPoint>(_ channels: [[S]], rate: Int = 48000, to path: String, subtype: SampleSubtype? = nil) throws {
    // The writer itself, not the render path: tests write hostile files (NaN samples) too.
    let format = try OutputOptions(subtype: subtype).format(for: path, input: nil)
    let writer = try SoundFileWriter(path: path, format: format, channelCount: channels.count, sampleRate: rate, overwrite: true,
                                     acceptsNonFinite: true)
    var samples = interleave(channels.map { $0.map { Sample($0) } })
    try samples.withUnsafeMutableBufferPointer { try writer.write($0.baseAddress!, frameCount: channels[0].count) }
    try writer.commit()
}

/// Reads a whole file as planar channels.
public func readAudio(_ path: String) throws -> AudioBuffer {
    try SoundFileReader(path: path).readAll(diagnostics: .silent)
}
