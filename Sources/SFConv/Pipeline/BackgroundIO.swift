import Dispatch
import Foundation

/// Reads blocks ahead on a thread of its own, so that decoding and disk reads overlap the
/// convolution. Holds `depth` blocks at most: memory stays flat.
final class PrefetchingReader: @unchecked Sendable {
    let reader: FrameSource
    let blockFrames: Int
    private let slots: [UnsafeMutablePointer<Sample>]
    private var counts: [Int]
    private var failure: Error?
    private let filled = CountingSemaphore(0)
    private let free: CountingSemaphore
    private let stopLock = NSLock()
    private var stopping = false
    private var consumerSlot = 0
    private var holding = false
    private var finished = false
    private let done = CountingSemaphore(0)

    init(_ reader: FrameSource, blockFrames: Int, depth: Int = 3) {
        self.reader = reader
        self.blockFrames = blockFrames
        slots = (0..<depth).map { _ in UnsafeMutablePointer<Sample>.allocate(capacity: blockFrames * reader.channelCount) }
        counts = [Int](repeating: 0, count: depth)
        free = CountingSemaphore(depth)
        let thread = Thread { [unowned self] in self.produce() }
        thread.name = "sfconv.read"
        thread.start()
    }

    deinit {
        stopLock.lock()
        stopping = true
        stopLock.unlock()
        if !finished {
            // Unblock the producer and wait for it to leave before freeing the slots.
            for _ in slots { free.signal() }
            done.wait()
        }
        slots.forEach { $0.deallocate() }
    }

    private var shouldStop: Bool {
        stopLock.lock()
        defer { stopLock.unlock() }
        return stopping
    }

    private func produce() {
        var slot = 0
        while true {
            free.wait()
            if shouldStop { break }
            do {
                counts[slot] = try reader.read(into: slots[slot], frameCount: blockFrames)
            } catch {
                failure = error
                counts[slot] = 0
            }
            let last = counts[slot] == 0
            filled.signal()
            if last { break }
            slot = (slot + 1) % slots.count
        }
        done.signal()
    }

    /// The next block of interleaved frames (valid until the next call), or nil at the end.
    func next() throws -> (frames: UnsafeMutablePointer<Sample>, count: Int)? {
        if finished { return nil }
        if holding {
            free.signal()
            consumerSlot = (consumerSlot + 1) % slots.count
        }
        filled.wait()
        holding = true
        let count = counts[consumerSlot]
        if count == 0 {
            finished = true
            done.wait()
            if let failure { throw failure }
            return nil
        }
        return (slots[consumerSlot], count)
    }
}

/// Writes blocks on a thread of its own, so that encoding and disk writes overlap the
/// convolution. Copies each block into one of `depth` buffers; memory stays flat.
final class BackgroundWriter: @unchecked Sendable {
    let writer: SoundFileWriter
    private let queue = DispatchQueue(label: "sfconv.write")
    private let capacityFrames: Int
    private let slots: [UnsafeMutablePointer<Sample>]
    private let free: CountingSemaphore
    private var slot = 0
    private let failureLock = NSLock()
    private var failure: Error?

    init(_ writer: SoundFileWriter, capacityFrames: Int, depth: Int = 3) {
        self.writer = writer
        self.capacityFrames = capacityFrames
        slots = (0..<depth).map { _ in UnsafeMutablePointer<Sample>.allocate(capacity: capacityFrames * writer.channelCount) }
        free = CountingSemaphore(depth)
    }

    deinit {
        queue.sync {}
        slots.forEach { $0.deallocate() }
    }

    private func firstFailure() -> Error? {
        failureLock.lock()
        defer { failureLock.unlock() }
        return failure
    }

    /// Queues `frameCount` interleaved frames (any number; split into buffer-sized pieces).
    func write(_ frames: UnsafePointer<Sample>, frameCount: Int) throws {
        var offset = 0
        while offset < frameCount {
            if let failure = firstFailure() { throw failure }
            let count = min(capacityFrames, frameCount - offset)
            free.wait()
            let index = slot
            slot = (slot + 1) % slots.count
            slots[index].update(from: frames + offset * writer.channelCount, count: count * writer.channelCount)
            queue.async { [self] in
                defer { free.signal() }
                guard firstFailure() == nil else { return }
                do {
                    try writer.write(slots[index], frameCount: count)
                } catch {
                    failureLock.lock()
                    failure = error
                    failureLock.unlock()
                }
            }
            offset += count
        }
    }

    /// Waits for every queued block; throws the first write error.
    func drain() throws {
        queue.sync {}
        if let failure = firstFailure() { throw failure }
    }
}

/// A counting semaphore on NSCondition. (libdispatch traps when a DispatchSemaphore is released
/// with a count below its initial one, which a pipeline stopped by an error does.)
final class CountingSemaphore: @unchecked Sendable {
    private let condition = NSCondition()
    private var count: Int

    init(_ count: Int) { self.count = count }

    func wait() {
        condition.lock()
        while count == 0 { condition.wait() }
        count -= 1
        condition.unlock()
    }

    func signal() {
        condition.lock()
        count += 1
        condition.signal()
        condition.unlock()
    }
}
