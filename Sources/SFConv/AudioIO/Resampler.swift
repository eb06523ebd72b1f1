import CSoxr
import Foundation

/// Sample-rate conversion of kernels and impulse responses with libsoxr (the only soxr caller).
public enum Resampler {
    /// The kernel resampled to `rate` Hz with libsoxr at very high quality, keeping its amplitude as a
    /// signal (a resampled impulse keeps its height, not its sum).
    public static func resampled(_ kernel: AudioBuffer, to rate: Int) throws -> AudioBuffer {
        guard rate != kernel.sampleRate else { return kernel }
        let ratio = Double(rate) / Double(kernel.sampleRate)
        let outputLength = max(1, try Numbers.whole(Double(kernel.frameCount) * ratio, "the resampled kernel's length in frames", range: 0...(60 * 768_000)))
        var quality = soxr_quality_spec(UInt(SOXR_VHQ), 0)
        // Samples are Double on both sides (soxr's default is 32-bit float).
        var io = soxr_io_spec(SOXR_FLOAT64_I, SOXR_FLOAT64_I)
        // Silence after the kernel, a few output frames' worth: soxr gives no frame for an input
        // shorter than one output period (a one-tap kernel downsampled came out as zero).
        let padding = [Sample](repeating: 0, count: 4 * Int((1 / ratio).rounded(.up)))
        var channels: [[Sample]] = []
        for channel in kernel.channels {
            let input = channel + padding
            var output = [Sample](repeating: 0, count: outputLength + 16)
            var produced = 0
            let failure = input.withUnsafeBufferPointer { source in
                output.withUnsafeMutableBufferPointer { destination in
                    soxr_oneshot(Double(kernel.sampleRate), Double(rate), 1,
                                 source.baseAddress, source.count, nil,
                                 destination.baseAddress, destination.count, &produced,
                                 &io, &quality, nil)
                }
            }
            if let failure {
                throw SFConvError("cannot resample the kernel from \(kernel.sampleRate) Hz to \(rate) Hz: \(String(cString: failure))")
            }
            output.removeLast(output.count - min(produced, outputLength))
            if output.count < outputLength { output += [Sample](repeating: 0, count: outputLength - output.count) }
            channels.append(output)
        }
        return AudioBuffer(channels: channels, sampleRate: rate)
    }
}
