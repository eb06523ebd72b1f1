import CSndFile

/// How samples cross libsndfile for one format: in the file's own type where libsndfile has one
/// (16-bit PCM as `short`, 32-bit as `int`, float, double), which it copies straight between the
/// file and the caller's buffer. Asked for another type, libsndfile converts through an internal
/// buffer of 8 KB, a read or write call per 8 KB. The conversions to and from ``Sample`` are
/// done here instead, on whole blocks: exact on reading, rounding to nearest on writing.
enum SampleTransfer {
    /// `sf_readf_short`/`sf_writef_short`: 16-bit PCM.
    case short
    /// `sf_readf_int`/`sf_writef_int`: other integer PCM, as the top bits of an Int32.
    case int(bits: Int)
    case float
    /// Double files, and codecs (Vorbis, Opus, MP3, µ-law…), which libsndfile converts anyway.
    case double

    init(_ format: SoundFormat) {
        switch format.sampleSubtype {
        case .pcm16?: self = .short
        case let subtype? where subtype.isInteger: self = .int(bits: subtype.bitDepth)
        case .float?: self = .float
        default: self = .double
        }
    }

    /// Bytes of scratch per sample that a transfer of this kind needs (0: none, Doubles go as they are).
    var scratchBytesPerSample: Int {
        switch self {
        case .short: 2
        case .int, .float: 4
        case .double: 0
        }
    }

    /// Reads up to `frames` frames into `destination` through `scratch`; returns the frames read.
    func read(_ handle: OpaquePointer, into destination: UnsafeMutablePointer<Sample>, frames: Int, channels: Int,
              scratch: UnsafeMutableRawPointer?) -> Int {
        let count = sf_count_t(frames)
        switch self {
        case .double:
            return Int(sf_readf_double(handle, destination, count))
        case .short:
            let source = scratch!.assumingMemoryBound(to: Int16.self)
            let got = Int(sf_readf_short(handle, source, count))
            for i in 0..<max(0, got) * channels { destination[i] = Sample(source[i]) * (1.0 / 32768) }
            return got
        case .int:
            let source = scratch!.assumingMemoryBound(to: Int32.self)
            let got = Int(sf_readf_int(handle, source, count))
            for i in 0..<max(0, got) * channels { destination[i] = Sample(source[i]) * (1.0 / 2_147_483_648) }
            return got
        case .float:
            let source = scratch!.assumingMemoryBound(to: Float.self)
            let got = Int(sf_readf_float(handle, source, count))
            for i in 0..<max(0, got) * channels { destination[i] = Sample(source[i]) }
            return got
        }
    }

    /// Writes `frames` frames of `source` (integer PCM already within ±1) through `scratch`,
    /// rounding integer PCM to the nearest of its 2^(bits−1) steps per unit and float to the
    /// nearest float; returns the frames written.
    func write(_ handle: OpaquePointer, from source: UnsafeMutablePointer<Sample>, frames: Int, channels: Int,
               scratch: UnsafeMutableRawPointer?) -> Int {
        let count = sf_count_t(frames), samples = frames * channels
        switch self {
        case .double:
            return Int(sf_writef_double(handle, source, count))
        case .short:
            let destination = scratch!.assumingMemoryBound(to: Int16.self)
            Self.quantise(source, into: destination, count: samples, bits: 16)
            return Int(sf_writef_short(handle, destination, count))
        case .int(let bits):
            let destination = scratch!.assumingMemoryBound(to: Int32.self)
            Self.quantise(source, into: destination, count: samples, bits: bits)
            return Int(sf_writef_int(handle, destination, count))
        case .float:
            let destination = scratch!.assumingMemoryBound(to: Float.self)
            for i in 0..<samples { destination[i] = Float(source[i]) }
            return Int(sf_writef_float(handle, destination, count))
        }
    }

    /// Rounds samples (within ±1) to the nearest of 2^(bits−1) steps per unit, as the top `bits`
    /// of `Code` (the form libsndfile stores without rounding of its own); +1 becomes the largest code.
    private static func quantise<Code: FixedWidthInteger & SignedInteger>(_ samples: UnsafeMutablePointer<Sample>,
                                                                         into codes: UnsafeMutablePointer<Code>, count: Int, bits: Int) {
        let steps = Sample(1 << (bits - 1))
        let highest = steps - 1
        let shift = Code.bitWidth - bits
        // Adding and taking away 1.5·2^52 rounds a Double below 2^51 to an integer, ties to even:
        // `rounded(.toNearestOrEven)` is a libm call per sample on a target without SSE4.1.
        let rounder: Sample = 6_755_399_441_055_744
        for i in 0..<count {
            // Through Int32 (every code fits): `Code(_: Double)` in a generic context takes the
            // standard library's generic conversion, several times slower than one instruction.
            let code = Int32(min((samples[i] * steps + rounder) - rounder, highest))
            codes[i] = Code(truncatingIfNeeded: code) << shift
        }
    }
}

/// Scratch memory for ``SampleTransfer``, grown on demand and kept.
final class TransferScratch {
    private var pointer: UnsafeMutableRawPointer?
    private var capacity = 0

    /// Room for `bytes` bytes (nil when none are needed).
    func reserve(_ bytes: Int) -> UnsafeMutableRawPointer? {
        guard bytes > 0 else { return nil }
        if bytes > capacity {
            pointer?.deallocate()
            pointer = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 16)
            capacity = bytes
        }
        return pointer
    }

    deinit { pointer?.deallocate() }
}
