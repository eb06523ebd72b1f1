@testable import SFConv
import SFConvTestSupport
import Testing

/// The writer's dither, added from its per-process table, equals the generator run sample by sample.
@Suite struct DitherTests {
    /// xorshift64* from the writers' common seed, two uniform values of ±½ step summed, in Sample.
    static func reference(count: Int, step: Sample) -> [Sample] {
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        let scale = step / Sample(1 << 24)
        return (0..<count).map { _ in
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            let bits = state &* 0x2545_F491_4F6C_DD1D
            let first = Sample(Int32(truncatingIfNeeded: bits >> 40) - (1 << 23))
            let second = Sample(Int32(truncatingIfNeeded: (bits >> 16) & 0xFF_FFFF) - (1 << 23))
            return 0.25 + (first + second) * scale
        }
    }

    @Test(arguments: [Sample(1) / 32768, Sample(1) / 128])
    func tabledDitherIsTheGeneratorsSequence(step: Sample) {
        // Blocks of every size, across the table's end, for two writers in turn.
        let total = DitherNoise.tableCount + 70_001
        let expected = Self.reference(count: total, step: step)
        var generator = SeededGenerator(seed: 4)
        for _ in 0..<2 {
            var dither = DitherNoise(step: step)
            var samples = [Sample](repeating: 0.25, count: total)
            var position = 0
            samples.withUnsafeMutableBufferPointer { buffer in
                while position < total {
                    let count = min(total - position, [1, 7, 4096, 16384, 300_000].randomElement(using: &generator)!)
                    dither.add(to: buffer.baseAddress! + position, count: count)
                    position += count
                }
            }
            if samples != expected {
                let mismatch = samples.indices.first { samples[$0] != expected[$0] } ?? 0
                Issue.record("first difference at sample \(mismatch) of \(total)")
            }
        }
        // Triangular within ±1 step.
        #expect(expected.allSatisfy { abs($0 - 0.25) <= step })
    }
}
