import Foundation

/// Where a stage hands frames on: interleaved frames, valid only during the call.
public typealias FrameSink = (UnsafeMutablePointer<Float>, Int) throws -> Void

/// Makes the progress bar for a pass, given its label and expected frames (nil for none).
public typealias ProgressFactory = (String, Int?) -> ProgressBar?

/// Decides which of the convolver's output frames reach the file.
protocol OutputStage: AnyObject {
    /// Frames in stream order; passes those it keeps to `next`.
    func take(_ frames: UnsafeMutablePointer<Float>, count: Int, next: FrameSink) throws
    /// The input ended after `inputFrames` frames (called before the convolver's tail).
    func inputEnded(after inputFrames: Int) throws
    /// After the last frame: passes on anything held back.
    func flush(next: FrameSink) throws
}

/// The one streaming loop: read a block, process it, write.
/// Reading runs ahead and writing behind on threads of their own; memory stays flat. On any error
/// the temporary output is removed and the target left as it was.
enum Renderer {
    /// Frames per read and write: small enough that the read-ahead and write-behind buffers stay
    /// well under a megabyte each, large enough that per-call costs vanish.
    static let ioBlockFrames = 32768

    /// Returns the input frames read. Commits `writer` on success.
    static func render(
        reader: SoundFileReader, processor: AudioProcessor, writer: SoundFileWriter,
        diagnostics: Diagnostics, progress: ProgressBar?
    ) throws -> Int {
        precondition(processor.inputChannelCount == reader.channelCount && processor.outputChannelCount == writer.channelCount)
        let output = BackgroundWriter(writer, capacityFrames: ioBlockFrames)
        let sink: FrameSink = { frames, count in try output.write(frames, frameCount: count) }
        do {
            let input = PrefetchingReader(reader, blockFrames: ioBlockFrames)
            while let block = try input.next() {
                try processor.process(block.frames, count: block.count, next: sink)
                progress?.update(reader.framesRead)
            }
            reader.finish(diagnostics: diagnostics)
            guard reader.framesRead > 0 else { throw SFConvError("input has no audio frames", path: reader.path) }
            try processor.finish(next: sink)
            try output.drain()
            progress?.finish()
            try writer.commit()
            return reader.framesRead
        } catch {
            // Queued writes still hold the writer: wait for them, then remove the temporary file now.
            try? output.drain()
            writer.discard()
            progress?.finish()
            throw error
        }
    }

    /// Renders `reader` through `processor` into a new file at `outputPath`. With `normalizeTo`
    /// (dBFS ≤ 0), pass one renders to a hidden float file beside the output and measures the peak;
    /// pass two copies it with the gain that puts the peak there. Memory stays flat either way.
    static func renderFile(
        reader: SoundFileReader, processor: AudioProcessor, outputPath: String, options: OutputOptions,
        dither: Bool, normalizeTo level: Double?, label: String, diagnostics: Diagnostics, progress: ProgressFactory
    ) throws -> RenderSummary {
        let channels = processor.outputChannelCount
        let rate = reader.sampleRate
        let format = try options.format(for: outputPath, input: reader.format)
        guard let level else {
            let writer = try SoundFileWriter(path: outputPath, format: format, channelCount: channels, sampleRate: rate,
                                             overwrite: options.overwrite, dither: dither)
            let n = try render(reader: reader, processor: processor, writer: writer, diagnostics: diagnostics,
                               progress: progress(label, reader.declaredFrameCount))
            return RenderSummary(inputFrames: n, writer: writer)
        }
        guard level <= 0, level.isFinite else { throw SFConvError("--normalize takes a level in dBFS ≤ 0, not \(level)") }
        try SoundFileWriter.checkDestination(outputPath, overwrite: options.overwrite)
        let url = URL(fileURLWithPath: outputPath)
        let passPath = url.deletingLastPathComponent().path + "/." + url.lastPathComponent + ".sfconv-\(getpid())-pass1.wav"
        TemporaryFiles.register(passPath)
        defer {
            unlink(passPath)
            TemporaryFiles.unregister(passPath)
        }
        let pass = try SoundFileWriter(path: passPath, format: SoundFormat(container: .wav, subtype: SampleSubtype.float.formatValue),
                                       channelCount: channels, sampleRate: rate, overwrite: true)
        let n = try render(reader: reader, processor: processor, writer: pass, diagnostics: diagnostics,
                           progress: progress("\(label) (pass 1 of 2)", reader.declaredFrameCount))
        let peak = Double(pass.peak)
        let gain = peak > 0 ? pow(10, level / 20) / peak : 1
        diagnostics.note(String(format: "normalised the output peak to %.2f dBFS (gain %+.2f dB)", level, 20 * log10(gain)))
        let passReader = try SoundFileReader(path: passPath)
        let writer = try SoundFileWriter(path: outputPath, format: format, channelCount: channels, sampleRate: rate,
                                         overwrite: options.overwrite, dither: dither)
        try copy(from: passReader, to: writer, gain: Float(gain), progress: progress("\(label) (pass 2 of 2)", passReader.declaredFrameCount))
        return RenderSummary(inputFrames: n, writer: writer)
    }

    /// Copies `reader` to `writer` multiplied by `gain` (the second pass of peak normalisation).
    static func copy(from reader: SoundFileReader, to writer: SoundFileWriter, gain: Float, progress: ProgressBar?) throws {
        let output = BackgroundWriter(writer, capacityFrames: ioBlockFrames)
        do {
            let input = PrefetchingReader(reader, blockFrames: ioBlockFrames)
            while let block = try input.next() {
                let samples = block.count * reader.channelCount
                for i in 0..<samples { block.frames[i] *= gain }
                try output.write(block.frames, frameCount: block.count)
                progress?.update(reader.framesRead)
            }
            try output.drain()
            progress?.finish()
            try writer.commit()
        } catch {
            try? output.drain()
            writer.discard()
            progress?.finish()
            throw error
        }
    }
}

/// Keeps every frame: the full convolution.
final class KeepAllStage: OutputStage {
    func take(_ frames: UnsafeMutablePointer<Float>, count: Int, next: FrameSink) throws { try next(frames, count) }
    func inputEnded(after inputFrames: Int) throws {}
    func flush(next: FrameSink) throws {}
}

/// Keeps a window of the convolution: from `start`, as many frames as `length(inputFrames)` says
/// (scipy's full, same and valid modes; a filter's latency compensation).
final class WindowStage: OutputStage {
    private let channelCount: Int
    private let length: (Int) throws -> Int
    private var window: FrameWindow

    init(start: Int, channelCount: Int, length: @escaping (Int) throws -> Int) {
        self.channelCount = channelCount
        self.length = length
        window = FrameWindow(start: start)
    }

    /// The frames `mode` keeps, failing for `valid` with a kernel longer than the input.
    convenience init(mode: ConvolutionMode, kernelLength: Int, channelCount: Int, inputPath: String) {
        self.init(start: mode.start(kernelLength: kernelLength), channelCount: channelCount) { inputFrames in
            if mode == .valid && kernelLength > inputFrames {
                throw SFConvError.validNeedsShorterKernel(kernel: kernelLength, input: inputFrames, path: inputPath)
            }
            return mode.length(inputLength: inputFrames, kernelLength: kernelLength)
        }
    }

    func take(_ frames: UnsafeMutablePointer<Float>, count: Int, next: FrameSink) throws {
        let (offset, kept) = window.take(count)
        if kept > 0 { try next(frames + offset * channelCount, kept) }
    }

    func inputEnded(after inputFrames: Int) throws {
        window.end = window.start + (try length(inputFrames))
    }

    func flush(next: FrameSink) throws {}
}

extension SFConvError {
    static func validNeedsShorterKernel(kernel: Int, input: Int, path: String) -> SFConvError {
        SFConvError("--mode valid needs a kernel no longer than the input: kernel \(kernel) frames, input \(input) frames", path: path)
    }
}

/// Keeps frames of a stream whose index lies in `start ..< end` (`end` may be learnt late).
struct FrameWindow {
    var start: Int
    var end: Int?
    private(set) var position = 0

    init(start: Int, end: Int? = nil) {
        self.start = start
        self.end = end
    }

    /// For the next `count` frames of the stream: the offset of the first kept frame, and how many are kept.
    mutating func take(_ count: Int) -> (offset: Int, count: Int) {
        let first = max(start, position)
        let last = min(end ?? Int.max, position + count)
        position += count
        return last > first ? (first - (position - count), last - first) : (0, 0)
    }
}
