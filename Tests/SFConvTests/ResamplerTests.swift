import Foundation
import SFConv
import Testing

/// Kernel resampling in Double (soxr's 64-bit I/O).
@Suite struct ResamplerTests {
    /// A one-tap kernel downsampled is a (scaled) impulse, not silence.
    @Test func oneTapKernelSurvivesDownsampling() throws {
        let resampled = try Resampler.resampled(AudioBuffer(channels: [[1]], sampleRate: 48000), to: 8000)
        #expect(resampled.frameCount == 1)
        #expect(abs(resampled.channels[0][0] - 1.0 / 6) < 0.02, "\(resampled.channels[0])")
    }

    /// A low sine keeps its amplitude through an upsampling, to far below float's precision.
    @Test func sineKeepsItsAmplitude() throws {
        let sine = (0..<4800).map { 0.5 * sin(2 * Double.pi * 440 * Double($0) / 48000) }
        let up = try Resampler.resampled(AudioBuffer(channels: [sine], sampleRate: 48000), to: 96000).channels[0]
        let middle = (2000..<7600).map { abs(up[$0] - 0.5 * sin(2 * Double.pi * 440 * Double($0) / 96000)) }.max()!
        #expect(middle < 1e-9, "largest error \(middle)")
    }
}
