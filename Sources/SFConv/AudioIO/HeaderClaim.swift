import Foundation

/// The frame count a WAV or AIFF header claims, read from the file's own chunks.
///
/// libsndfile sizes a file cut short by what it holds, silently; comparing the header's claim with
/// the frames read is how a truncated or damaged file is noticed.
enum HeaderClaim {
    /// Frames claimed by the `data` chunk (WAV) or the `COMM` chunk (AIFF); nil when the file is
    /// neither, or the size is a placeholder left by a streaming writer.
    static func declaredFrames(path: String) -> Int? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        // The chunks are looked for in the first 64 KiB. The first 4 KiB hold nearly every header:
        // more is read only when the walk runs past them (a batch opens every file it reads and writes).
        let limit = 1 << 16, first = 1 << 12
        var bytes = [UInt8](repeating: 0, count: limit)
        var count = readFully(descriptor, into: &bytes, from: 0, upTo: first)
        var partial = count == first
        while true {
            guard count >= 12 else { return nil }
            let tag = String(decoding: bytes[0..<4], as: UTF8.self)
            let form = String(decoding: bytes[8..<12], as: UTF8.self)
            let claim: Claim
            if tag == "RIFF" && form == "WAVE" {
                claim = wave(bytes[0..<count], partial: partial)
            } else if tag == "FORM" && (form == "AIFF" || form == "AIFC") {
                claim = aiff(bytes[0..<count], partial: partial)
            } else {
                return nil
            }
            switch claim {
            case .frames(let frames): return frames
            case .readMore:
                count += readFully(descriptor, into: &bytes, from: count, upTo: limit)
                partial = false
            }
        }
    }

    /// What a walk over the bytes read so far found: the claim (or none), or that it ran past
    /// bytes not read yet.
    private enum Claim {
        case frames(Int?)
        case readMore
    }

    /// Reads from `offset` until `end` bytes are in `bytes` or the file ends; the count read.
    private static func readFully(_ descriptor: Int32, into bytes: inout [UInt8], from offset: Int, upTo end: Int) -> Int {
        var position = offset
        while position < end {
            let got = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + position, end - position, off_t(position)) }
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else { break }
            position += got
        }
        return position - offset
    }

    /// `partial`: more of the file may follow `bytes` (within the 64 KiB looked at).
    private static func wave(_ bytes: ArraySlice<UInt8>, partial: Bool) -> Claim {
        var offset = 12
        var blockAlign = 0
        while offset + 8 <= bytes.count {
            let id = String(decoding: bytes[offset..<offset + 4], as: UTF8.self)
            let size = Int(littleEndian32(bytes, offset + 4))
            if id == "fmt " {
                guard offset + 8 + 14 <= bytes.count else {
                    if partial { return .readMore }
                    offset += 8 + size + (size & 1)
                    continue
                }
                blockAlign = Int(bytes[offset + 8 + 12]) | Int(bytes[offset + 8 + 13]) << 8
            }
            if id == "data" {
                guard blockAlign > 0, size > 0, size != 0xFFFF_FFFF else { return .frames(nil) }
                return .frames(size / blockAlign)
            }
            offset += 8 + size + (size & 1)
        }
        return partial ? .readMore : .frames(nil)
    }

    private static func aiff(_ bytes: ArraySlice<UInt8>, partial: Bool) -> Claim {
        var offset = 12
        while offset + 8 <= bytes.count {
            let id = String(decoding: bytes[offset..<offset + 4], as: UTF8.self)
            let size = Int(bigEndian32(bytes, offset + 4))
            if id == "COMM" {
                guard offset + 8 + 6 <= bytes.count else {
                    if partial { return .readMore }
                    offset += 8 + size + (size & 1)
                    continue
                }
                let frames = Int(bigEndian32(bytes, offset + 8 + 2))
                return .frames(frames > 0 && frames != 0xFFFF_FFFF ? frames : nil)
            }
            offset += 8 + size + (size & 1)
        }
        return partial ? .readMore : .frames(nil)
    }

    private static func littleEndian32(_ b: ArraySlice<UInt8>, _ i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }

    private static func bigEndian32(_ b: ArraySlice<UInt8>, _ i: Int) -> UInt32 {
        UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
    }
}
