import CFFTW3f
import Foundation

/// Float memory from `fftwf_alloc_real`, aligned for FFTW's SIMD code, zero-filled, with one owner.
final class AlignedBuffer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    init(count: Int) {
        precondition(count > 0)
        guard let memory = fftwf_alloc_real(count) else { fatalError("out of memory allocating \(count) floats") }
        pointer = memory
        self.count = count
        pointer.initialize(repeating: 0, count: count)
    }

    deinit { fftwf_free(pointer) }

    subscript(offset: Int) -> UnsafeMutablePointer<Float> { pointer + offset }

    func zero() { pointer.update(repeating: 0, count: count) }
}

/// How hard FFTW plans.
public enum FFTPlanning: String, CaseIterable, Sendable {
    /// FFTW_ESTIMATE, or better plans from saved wisdom when there are any (the default: no planning cost).
    case estimate
    /// FFTW_MEASURE: seconds of planning for long kernels the first time; the plans are saved as
    /// wisdom in the user's cache folder, so later runs with either setting reuse them for free.
    case measure
}

/// A real FFT of one size whose spectra are `size / 2 + 1` interleaved complex values (re, im),
/// planned once and executed on any buffers aligned like ``AlignedBuffer``'s whose offsets are
/// multiples of ``alignmentFloats``. (FFTW's split-format plans measured up to 2.4× slower here.)
///
/// FFTW's planner is not thread-safe; all planning here is serialized. Execution is thread-safe.
final class RealFFT: @unchecked Sendable {
    /// Offsets into buffers passed to `forward`/`inverse` must be multiples of this many floats
    /// (64 bytes, the widest SIMD alignment FFTW may assume).
    static let alignmentFloats = 16

    let size: Int
    private let forwardPlan: OpaquePointer
    private let inversePlan: OpaquePointer

    init(size: Int, planning: FFTPlanning) throws {
        precondition(size >= 2 && size % 2 == 0)
        self.size = size
        let bins = size / 2 + 1
        let time = AlignedBuffer(count: size)
        let spectrum = AlignedBuffer(count: 2 * bins)

        let plans: (OpaquePointer?, OpaquePointer?) = Planner.withLock {
            Planner.loadWisdomOnce()
            func make(_ flags: UInt32) -> (OpaquePointer?, OpaquePointer?) {
                let complex = asComplex(spectrum.pointer)
                let forward = fftwf_plan_dft_r2c_1d(Int32(size), time.pointer, complex, flags)
                let inverse = fftwf_plan_dft_c2r_1d(Int32(size), complex, time.pointer, flags)
                return (forward, inverse)
            }
            switch planning {
            case .estimate:
                let fromWisdom = make(UInt32(FFTW_MEASURE) | UInt32(FFTW_WISDOM_ONLY))
                if fromWisdom.0 != nil && fromWisdom.1 != nil { return fromWisdom }
                if let f = fromWisdom.0 { fftwf_destroy_plan(f) }
                if let i = fromWisdom.1 { fftwf_destroy_plan(i) }
                return make(UInt32(FFTW_ESTIMATE))
            case .measure:
                let measured = make(UInt32(FFTW_MEASURE))
                Planner.saveWisdom()
                return measured
            }
        }
        guard let forward = plans.0, let inverse = plans.1 else {
            throw SFConvError("FFTW could not plan a real FFT of size \(size)")
        }
        forwardPlan = forward
        inversePlan = inverse
    }

    /// One plan per size and planning mode for the whole process: plans are immutable and their
    /// execution thread-safe, so convolvers share them.
    static func shared(size: Int, planning: FFTPlanning) throws -> RealFFT {
        try cache.withLock { plans in
            if let plan = plans[PlanKey(size: size, planning: planning)] { return plan }
            let plan = try RealFFT(size: size, planning: planning)
            plans[PlanKey(size: size, planning: planning)] = plan
            return plan
        }
    }

    private struct PlanKey: Hashable {
        var size: Int
        var planning: FFTPlanning
    }

    private static let cache = LockedValue<[PlanKey: RealFFT]>([:])

    deinit {
        Planner.withLock {
            fftwf_destroy_plan(forwardPlan)
            fftwf_destroy_plan(inversePlan)
        }
    }

    /// `size` real samples at `input` → `size/2+1` interleaved complex bins at `spectrum`. Unnormalised.
    @inline(__always)
    func forward(_ input: UnsafeMutablePointer<Float>, spectrum: UnsafeMutablePointer<Float>) {
        fftwf_execute_dft_r2c(forwardPlan, input, asComplex(spectrum))
    }

    /// `size/2+1` interleaved complex bins → `size` real samples (scaled by `size`). Destroys the bins.
    @inline(__always)
    func inverse(_ spectrum: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>) {
        fftwf_execute_dft_c2r(inversePlan, asComplex(spectrum), output)
    }
}

/// A value behind a lock.
final class LockedValue<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}

@inline(__always)
private func asComplex(_ floats: UnsafeMutablePointer<Float>) -> UnsafeMutablePointer<fftwf_complex> {
    UnsafeMutableRawPointer(floats).assumingMemoryBound(to: fftwf_complex.self)
}

/// Serializes FFTW planning and keeps its wisdom in the user's cache folder
/// (`$XDG_CACHE_HOME/sfconv/fftw3f.wisdom`, else `~/.cache/sfconv/fftw3f.wisdom`).
enum Planner {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var wisdomLoaded = false

    static func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    static var wisdomPath: String? {
        let environment = ProcessInfo.processInfo.environment
        if let cache = environment["XDG_CACHE_HOME"], cache.hasPrefix("/") {
            return cache + "/sfconv/fftw3f.wisdom"
        }
        if let home = environment["HOME"], !home.isEmpty {
            return home + "/.cache/sfconv/fftw3f.wisdom"
        }
        return nil
    }

    /// Called with the lock held.
    static func loadWisdomOnce() {
        guard !wisdomLoaded else { return }
        wisdomLoaded = true
        if let path = wisdomPath, FileManager.default.fileExists(atPath: path) {
            _ = fftwf_import_wisdom_from_filename(path)
        }
    }

    /// Called with the lock held. Best effort: a cache that cannot be written costs only speed.
    static func saveWisdom() {
        guard let path = wisdomPath else { return }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let temporary = path + ".\(getpid()).tmp"
        if fftwf_export_wisdom_to_filename(temporary) != 0 {
            rename(temporary, path)
        } else {
            unlink(temporary)
        }
    }
}
