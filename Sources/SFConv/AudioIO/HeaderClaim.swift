import Foundation

/// The frame count a WAV or AIFF header claims, read from the file's own chunks.
///
/// libsndfile sizes a file cut short by what it holds, silently; comparing the header's claim with
/// the frames read is how a truncated or damaged file is noticed.
enum HeaderClaim {
    /// Frames claimed by the `data` chunk (WAV) or the `COMM` chunk (AIFF); nil when the file is
    /// neither, or the size is a placeholder left by a streaming writer.
    static func declaredFrames(path: String) -> Int? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: 1 << 16), head.count >= 12 else { return nil }
        let bytes = [UInt8](head)
        let tag = String(decoding: bytes[0..<4], as: UTF8.self)
        let form = String(decoding: bytes[8..<12], as: UTF8.self)
        if tag == "RIFF" && form == "WAVE" { return wave(bytes) }
        if tag == "FORM" && (form == "AIFF" || form == "AIFC") { return aiff(bytes) }
        return nil
    }

    private static func wave(_ bytes: [UInt8]) -> Int? {
        var offset = 12
        var blockAlign = 0
        while offset + 8 <= bytes.count {
            let id = String(decoding: bytes[offset..<offset + 4], as: UTF8.self)
            let size = Int(littleEndian32(bytes, offset + 4))
            if id == "fmt " && offset + 8 + 14 <= bytes.count {
                blockAlign = Int(bytes[offset + 8 + 12]) | Int(bytes[offset + 8 + 13]) << 8
            }
            if id == "data" {
                guard blockAlign > 0, size > 0, size != 0xFFFF_FFFF else { return nil }
                return size / blockAlign
            }
            offset += 8 + size + (size & 1)
        }
        return nil
    }

    private static func aiff(_ bytes: [UInt8]) -> Int? {
        var offset = 12
        while offset + 8 <= bytes.count {
            let id = String(decoding: bytes[offset..<offset + 4], as: UTF8.self)
            let size = Int(bigEndian32(bytes, offset + 4))
            if id == "COMM" && offset + 8 + 6 <= bytes.count {
                let frames = Int(bigEndian32(bytes, offset + 8 + 2))
                return frames > 0 && frames != 0xFFFF_FFFF ? frames : nil
            }
            offset += 8 + size + (size & 1)
        }
        return nil
    }

    private static func littleEndian32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }

    private static func bigEndian32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
    }
}
