import Foundation

/// Makes the progress bar for a pass, given its label and expected frames (nil for none).
public typealias ProgressFactory = (String, Int?) -> ProgressBar?

/// The one streaming loop: read a block, process it, write.
/// Reading runs ahead and writing behind on threads of their own; memory stays flat. On any error
/// the temporary output is removed and the target left as it was.
enum Renderer {
    /// Frames per read and write: small enough that the read-ahead and write-behind buffers stay
    /// well under a megabyte each, large enough that per-call costs vanish.
    static let ioBlockFrames = 32768

    /// Streams `source` through `processor` (nil: unchanged) into `writer`, then commits it.
    /// Returns the input frames read.
    static func stream(from source: FrameSource, through processor: AudioProcessor?, gain: Sample = 1, to writer: SoundFileWriter,
                       diagnostics: Diagnostics, progress: ProgressBar?) throws -> Int {
        precondition((processor?.inputChannelCount ?? source.channelCount) == source.channelCount
            && (processor?.outputChannelCount ?? source.channelCount) == writer.channelCount)
        let output = BackgroundWriter(writer, capacityFrames: ioBlockFrames)
        var framesOut = 0
        let sink: FrameSink = { frames, count in
            try output.write(frames, frameCount: count)
            framesOut += count
        }
        var framesRead = 0
        do {
            let input = PrefetchingReader(source, blockFrames: ioBlockFrames)
            while let block = try input.next() {
                if gain != 1 {
                    for i in 0..<(block.count * source.channelCount) { block.frames[i] *= gain }
                }
                if let processor {
                    try processor.process(block.frames, count: block.count, next: sink)
                } else {
                    try sink(block.frames, block.count)
                }
                framesRead += block.count
                progress?.update(framesRead)
            }
            source.finish(diagnostics: diagnostics)
            guard framesRead > 0 else { throw SFConvError("input has no audio frames", path: source.path) }
            try processor?.finish(next: sink)
            try output.drain()
            guard framesOut > 0 else {
                throw SFConvError("the chain left no audio to write (a trim past the input's end?)", path: writer.reportedPath)
            }
            progress?.finish()
            try writer.commit()
            return framesRead
        } catch {
            // Queued writes still hold the writer: wait for them, then remove the temporary file now.
            try? output.drain()
            writer.discard()
            progress?.finish()
            // An error found while processing, about no file in particular, is about this input.
            if var unplaced = error as? SFConvError, unplaced.path == nil {
                unplaced.path = source.path
                throw unplaced
            }
            throw error
        }
    }
}
