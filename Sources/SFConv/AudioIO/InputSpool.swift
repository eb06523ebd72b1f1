import CSndFile
import Foundation

/// Inputs that can be read only once — standard input (`-`), pipes, FIFOs, process substitution —
/// are copied to a temporary file as they arrive, so that each is opened exactly once and can then
/// be read like a file (header checks, FLAC's seeks, two passes). Regular files are used as they are.
enum InputSpool {
    static let standardInput = "-"
    /// Read before the format is checked: enough for any audio header.
    static let probeBytes = 1 << 20

    /// The regular file to open for `path`, and the spooled copy to remove later (nil for a regular file).
    static func regularFile(for path: String) throws -> (path: String, spool: String?) {
        var status = stat()
        if path != standardInput {
            guard stat(path, &status) == 0 else { return (path, nil) }  // the reader reports what is wrong
            let kind = status.st_mode & S_IFMT
            if kind == S_IFREG || kind == S_IFDIR { return (path, nil) }
        }
        let source = path == standardInput ? dup(0) : open(path, O_RDONLY | O_CLOEXEC)
        guard source >= 0 else { throw SFConvError("cannot open: \(String(cString: strerror(errno)))", path: displayName(path)) }
        defer { close(source) }
        let spool = TemporaryFiles.hiddenPath(beside: NSTemporaryDirectory() + "/input", tag: "spool")
        TemporaryFiles.register(spool)
        do {
            try copy(from: source, to: spool, name: displayName(path))
            return (spool, spool)
        } catch {
            unlink(spool)
            TemporaryFiles.unregister(spool)
            throw error
        }
    }

    /// How messages name an input.
    static func displayName(_ path: String) -> String { path == standardInput ? "standard input" : path }

    private static func copy(from source: Int32, to spool: String, name: String) throws {
        let destination = open(spool, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard destination >= 0 else { throw SFConvError("cannot spool the input: \(String(cString: strerror(errno)))", path: name) }
        defer { close(destination) }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var total = 0, probed = false
        while true {
            let got = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress!, $0.count) }
            if got < 0 && errno == EINTR { continue }
            guard got >= 0 else { throw SFConvError("cannot read: \(String(cString: strerror(errno)))", path: name) }
            if got == 0 { break }
            try buffer.withUnsafeBytes { raw in
                var offset = 0
                while offset < got {
                    let put = Foundation.write(destination, raw.baseAddress! + offset, got - offset)
                    guard put > 0 else { throw SFConvError("cannot spool the input: \(String(cString: strerror(errno)))", path: name) }
                    offset += put
                }
            }
            total += got
            // Refuse what is not audio (/dev/zero, text) before copying any more of it; a known
            // container whose header runs past the probe (a large cover image) is read to the end.
            if !probed && total >= probeBytes {
                if !hasAudioSignature(spool) { try probe(spool, name: name) }
                probed = true
            }
        }
        guard total > 0 else { throw SFConvError("input is empty (0 bytes)", path: name) }
    }

    /// Whether the file starts like a container libsndfile reads (RIFF/RF64/W64, AIFF, CAF, AU,
    /// FLAC, Ogg, an MP3 with ID3 or a frame sync).
    private static func hasAudioSignature(_ spool: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: spool), let head = try? handle.read(upToCount: 4), head.count == 4 else { return false }
        try? handle.close()
        let bytes = [UInt8](head)
        let tag = String(decoding: bytes, as: UTF8.self)
        return ["RIFF", "RIFX", "RF64", "BW64", "riff", "FORM", "caff", ".snd", "fLaC", "OggS"].contains(tag) || tag.hasPrefix("ID3")
            || (bytes[0] == 0xFF && bytes[1] & 0xE0 == 0xE0)
    }

    private static func probe(_ spool: String, name: String) throws {
        var info = SF_INFO()
        guard let handle = sf_open(spool, Int32(SFM_READ), &info) else {
            throw SFConvError("cannot read as audio: \(SoundFileReader.libraryMessage(nil))", path: name)
        }
        sf_close(handle)
    }
}
