import Foundation
@testable import SFConv
import Testing

/// The header's frame claim, wherever the chunks lie within the first 64 KiB.
@Suite struct HeaderClaimTests {
    /// A WAV (16-bit stereo: 4 bytes a frame) with a `pad ` chunk of `padding` bytes before `fmt `,
    /// and `extra` bytes of chunk after it, claiming `frames` frames in its data chunk.
    static func wave(padding: Int, extra: Int = 0, frames: Int) -> [UInt8] {
        func le32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }
        func le16(_ v: Int) -> [UInt8] { (0..<2).map { UInt8((v >> (8 * $0)) & 0xFF) } }
        var bytes = Array("RIFF".utf8) + le32(0) + Array("WAVE".utf8)
        bytes += Array("pad ".utf8) + le32(padding) + [UInt8](repeating: 0, count: padding + (padding & 1))
        bytes += Array("fmt ".utf8) + le32(16) + le16(1) + le16(2) + le32(16000) + le32(64000) + le16(4) + le16(16)
        if extra > 0 { bytes += Array("LIST".utf8) + le32(extra) + [UInt8](repeating: 0, count: extra + (extra & 1)) }
        bytes += Array("data".utf8) + le32(4 * frames) + [UInt8](repeating: 0, count: 400)
        return bytes
    }

    @Test(arguments: [(0, 0), (4000, 0), (4060, 0), (4071, 0), (4080, 0), (4084, 0), (5000, 0), (100, 4050), (30_000, 30_000), (40_000, 30_000)])
    func claimIsFoundWhereverTheChunksLie(layout: (padding: Int, extra: Int)) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("claim-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("a.wav").path
        let bytes = Self.wave(padding: layout.padding, extra: layout.extra, frames: 1234)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        // The data chunk's header must lie within the first 64 KiB.
        let dataOffset = bytes.count - 408
        #expect(HeaderClaim.declaredFrames(path: path) == (dataOffset + 8 <= 1 << 16 ? 1234 : nil), "data at \(dataOffset)")
        // A file cut inside its header claims nothing; a file exactly 4 KiB long ends the walk.
        try Data(bytes.prefix(min(dataOffset, 4096))).write(to: URL(fileURLWithPath: path))
        #expect(HeaderClaim.declaredFrames(path: path) == nil)
    }
}
