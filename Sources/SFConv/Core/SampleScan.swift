/// Vectorised scans over sample buffers (the plain loops do not vectorise: a running max or sum
/// is a serial dependency the compiler may not reorder for floats).
enum SampleScan {
    /// The largest absolute value among `count` samples.
    static func peak(_ samples: UnsafePointer<Sample>, count: Int) -> Sample {
        peakAndFiniteness(samples, count: count).peak
    }

    /// The largest absolute value among the finite samples, and whether all are finite, in one pass.
    static func peakAndFiniteness(_ samples: UnsafePointer<Sample>, count: Int) -> (peak: Sample, allFinite: Bool) {
        var high = SIMD8<Sample>(repeating: 0)
        var low = SIMD8<Sample>(repeating: 0)
        // x * 0 is 0 for finite x and NaN otherwise; NaN survives the sum.
        var probe = SIMD8<Sample>(repeating: 0)
        var i = 0
        let raw = UnsafeRawPointer(samples)
        while i + 8 <= count {
            let v = raw.loadUnaligned(fromByteOffset: i * MemoryLayout<Sample>.stride, as: SIMD8<Sample>.self)
            high.replace(with: v, where: v .> high)
            low.replace(with: v, where: v .< low)
            probe += v * 0
            i += 8
        }
        var result = max(high.max(), -low.min())
        var tail: Sample = 0
        while i < count {
            if samples[i].isFinite { result = max(result, abs(samples[i])) }
            tail += samples[i] * 0
            i += 1
        }
        return (result, probe.sum() == 0 && tail == 0)
    }

    /// Whether all `count` samples are finite (no NaN, no infinity).
    static func allFinite(_ samples: UnsafePointer<Sample>, count: Int) -> Bool {
        // x * 0 is 0 for finite x and NaN otherwise; NaN survives the sum.
        var probe = SIMD8<Sample>(repeating: 0)
        var i = 0
        let raw = UnsafeRawPointer(samples)
        while i + 8 <= count {
            probe += raw.loadUnaligned(fromByteOffset: i * MemoryLayout<Sample>.stride, as: SIMD8<Sample>.self) * 0
            i += 8
        }
        var tail: Sample = 0
        while i < count {
            tail += samples[i] * 0
            i += 1
        }
        return probe.sum() == 0 && tail == 0
    }
}
