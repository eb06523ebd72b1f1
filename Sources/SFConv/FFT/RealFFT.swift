import CFFTW3
import CFFTW3f
import CSFConvKernels
import Foundation

/// A sample type FFTW transforms: `Float` (libfftw3f, the fast path) or `Double` (libfftw3, the
/// precise one). Each conformance maps the few FFTW calls and the complex multiply-accumulate
/// kernel onto its library; everything above is written once, generic over this.
protocol FFTScalar: BinaryFloatingPoint, Sendable {
    /// From a stream ``Sample``: the plain conversion (named here so that generic code calls it,
    /// not `BinaryFloatingPoint`'s generic initialiser).
    init(_ value: Double)
    /// FFTW's aligned allocation (`fftwf_alloc_real` / `fftw_alloc_real`).
    static func allocateAligned(_ count: Int) -> UnsafeMutablePointer<Self>?
    static func freeAligned(_ pointer: UnsafeMutablePointer<Self>)
    /// A forward (r2c) and an inverse (c2r) plan of `size` points between `time` and `spectrum`
    /// (interleaved complex). Called with the planner's lock held.
    static func makePlans(size: Int, time: UnsafeMutablePointer<Self>, spectrum: UnsafeMutablePointer<Self>,
                          flags: UInt32) -> (forward: OpaquePointer?, inverse: OpaquePointer?)
    static func destroyPlan(_ plan: OpaquePointer)
    static func executeForward(_ plan: OpaquePointer, _ input: UnsafeMutablePointer<Self>, _ spectrum: UnsafeMutablePointer<Self>)
    static func executeInverse(_ plan: OpaquePointer, _ spectrum: UnsafeMutablePointer<Self>, _ output: UnsafeMutablePointer<Self>)
    /// acc[k] += a[k] × b[k] over `bins` interleaved complex values (C, compiled per instruction set).
    static func multiplyAccumulate(_ acc: UnsafeMutablePointer<Self>, _ a: UnsafePointer<Self>, _ b: UnsafePointer<Self>, bins: Int)
    /// The wisdom file's name in the cache folder; wisdom is per library.
    static var wisdomFileName: String { get }
    static func importWisdom(_ path: String) -> Bool
    static func exportWisdom(_ path: String) -> Bool
}

extension Float: FFTScalar {
    static func allocateAligned(_ count: Int) -> UnsafeMutablePointer<Float>? { fftwf_alloc_real(count) }
    static func freeAligned(_ pointer: UnsafeMutablePointer<Float>) { fftwf_free(pointer) }
    static func makePlans(size: Int, time: UnsafeMutablePointer<Float>, spectrum: UnsafeMutablePointer<Float>,
                          flags: UInt32) -> (forward: OpaquePointer?, inverse: OpaquePointer?) {
        let complex = UnsafeMutableRawPointer(spectrum).assumingMemoryBound(to: fftwf_complex.self)
        return (fftwf_plan_dft_r2c_1d(Int32(size), time, complex, flags), fftwf_plan_dft_c2r_1d(Int32(size), complex, time, flags))
    }
    static func destroyPlan(_ plan: OpaquePointer) { fftwf_destroy_plan(plan) }
    @inline(__always)
    static func executeForward(_ plan: OpaquePointer, _ input: UnsafeMutablePointer<Float>, _ spectrum: UnsafeMutablePointer<Float>) {
        fftwf_execute_dft_r2c(plan, input, UnsafeMutableRawPointer(spectrum).assumingMemoryBound(to: fftwf_complex.self))
    }
    @inline(__always)
    static func executeInverse(_ plan: OpaquePointer, _ spectrum: UnsafeMutablePointer<Float>, _ output: UnsafeMutablePointer<Float>) {
        fftwf_execute_dft_c2r(plan, UnsafeMutableRawPointer(spectrum).assumingMemoryBound(to: fftwf_complex.self), output)
    }
    @inline(__always)
    static func multiplyAccumulate(_ acc: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, bins: Int) {
        sfconv_complex_multiply_accumulate(acc, a, b, bins)
    }
    static var wisdomFileName: String { "fftw3f.wisdom" }
    static func importWisdom(_ path: String) -> Bool { fftwf_import_wisdom_from_filename(path) != 0 }
    static func exportWisdom(_ path: String) -> Bool { fftwf_export_wisdom_to_filename(path) != 0 }
}

extension Double: FFTScalar {
    static func allocateAligned(_ count: Int) -> UnsafeMutablePointer<Double>? { fftw_alloc_real(count) }
    static func freeAligned(_ pointer: UnsafeMutablePointer<Double>) { fftw_free(pointer) }
    static func makePlans(size: Int, time: UnsafeMutablePointer<Double>, spectrum: UnsafeMutablePointer<Double>,
                          flags: UInt32) -> (forward: OpaquePointer?, inverse: OpaquePointer?) {
        let complex = UnsafeMutableRawPointer(spectrum).assumingMemoryBound(to: fftw_complex.self)
        return (fftw_plan_dft_r2c_1d(Int32(size), time, complex, flags), fftw_plan_dft_c2r_1d(Int32(size), complex, time, flags))
    }
    static func destroyPlan(_ plan: OpaquePointer) { fftw_destroy_plan(plan) }
    @inline(__always)
    static func executeForward(_ plan: OpaquePointer, _ input: UnsafeMutablePointer<Double>, _ spectrum: UnsafeMutablePointer<Double>) {
        fftw_execute_dft_r2c(plan, input, UnsafeMutableRawPointer(spectrum).assumingMemoryBound(to: fftw_complex.self))
    }
    @inline(__always)
    static func executeInverse(_ plan: OpaquePointer, _ spectrum: UnsafeMutablePointer<Double>, _ output: UnsafeMutablePointer<Double>) {
        fftw_execute_dft_c2r(plan, UnsafeMutableRawPointer(spectrum).assumingMemoryBound(to: fftw_complex.self), output)
    }
    @inline(__always)
    static func multiplyAccumulate(_ acc: UnsafeMutablePointer<Double>, _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, bins: Int) {
        sfconv_complex_multiply_accumulate_double(acc, a, b, bins)
    }
    static var wisdomFileName: String { "fftw3.wisdom" }
    static func importWisdom(_ path: String) -> Bool { fftw_import_wisdom_from_filename(path) != 0 }
    static func exportWisdom(_ path: String) -> Bool { fftw_export_wisdom_to_filename(path) != 0 }
}

/// Memory from FFTW's aligned allocator, aligned for its SIMD code, zero-filled, with one owner.
final class AlignedBuffer<Scalar: FFTScalar>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Scalar>
    let count: Int

    init(count: Int) {
        precondition(count > 0)
        guard let memory = Scalar.allocateAligned(count) else { fatalError("out of memory allocating \(count) samples") }
        pointer = memory
        self.count = count
        pointer.initialize(repeating: 0, count: count)
    }

    deinit { Scalar.freeAligned(pointer) }

    subscript(offset: Int) -> UnsafeMutablePointer<Scalar> { pointer + offset }

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

/// Offsets into buffers passed to ``RealFFT``'s `forward`/`inverse` must be multiples of this many
/// samples (64 bytes of Float, 128 of Double: at least the widest SIMD alignment FFTW may assume).
enum FFTAlignment {
    static let elements = 16
}

/// Which sizes ``RealFFT`` plans in place.
enum FFTPlacement {
    /// Powers of two from 65,536 points: FFTW_ESTIMATE's out-of-place plans for them measured
    /// 1.3–2.3× slower here in double (1.1–1.6× in float), against a copy of `size` samples;
    /// below that size, and for 25·2^k and 75·2^k, the out-of-place plans were as fast or faster
    /// (up to 1.5×).
    static func inPlace(size: Int) -> Bool { size >= 65_536 && size & (size - 1) == 0 }
}

/// A real FFT of one size whose spectra are `size / 2 + 1` interleaved complex values (re, im),
/// planned once and executed on any buffers aligned like ``AlignedBuffer``'s whose offsets are
/// multiples of ``FFTAlignment/elements``. (FFTW's split-format plans measured up to 2.4× slower here.)
///
/// FFTW's planner is not thread-safe; all planning here is serialized. Execution is thread-safe.
final class RealFFT<Scalar: FFTScalar>: @unchecked Sendable {
    let size: Int
    /// Whether the plans transform in place: then ``inverse(_:output:)`` may be given the spectrum
    /// itself as its output, and each transform between two buffers copies `size` samples.
    let inPlace: Bool
    private let forwardPlan: OpaquePointer
    private let inversePlan: OpaquePointer

    init(size: Int, planning: FFTPlanning) throws {
        precondition(size >= 2 && size % 2 == 0)
        self.size = size
        inPlace = FFTPlacement.inPlace(size: size)
        let bins = size / 2 + 1
        let spectrum = AlignedBuffer<Scalar>(count: 2 * bins)
        let time = inPlace ? spectrum : AlignedBuffer<Scalar>(count: size)

        let plans: (OpaquePointer?, OpaquePointer?) = Planner.withLock {
            Planner.loadWisdomOnce(Scalar.self)
            func make(_ flags: UInt32) -> (OpaquePointer?, OpaquePointer?) {
                Scalar.makePlans(size: size, time: time.pointer, spectrum: spectrum.pointer, flags: flags)
            }
            switch planning {
            case .estimate:
                let fromWisdom = make(UInt32(FFTW_MEASURE) | UInt32(FFTW_WISDOM_ONLY))
                if fromWisdom.0 != nil && fromWisdom.1 != nil { return fromWisdom }
                if let f = fromWisdom.0 { Scalar.destroyPlan(f) }
                if let i = fromWisdom.1 { Scalar.destroyPlan(i) }
                return make(UInt32(FFTW_ESTIMATE))
            case .measure:
                let measured = make(UInt32(FFTW_MEASURE))
                Planner.saveWisdom(Scalar.self)
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
        let key = SharedPlanKey(scalar: ObjectIdentifier(Scalar.self), size: size, planning: planning)
        return try sharedPlans.withLock { plans in
            if let plan = plans[key] as? RealFFT { return plan }
            let plan = try RealFFT(size: size, planning: planning)
            plans[key] = plan
            return plan
        }
    }

    deinit {
        Planner.withLock {
            Scalar.destroyPlan(forwardPlan)
            Scalar.destroyPlan(inversePlan)
        }
    }

    /// `size` real samples at `input` → `size/2+1` interleaved complex bins at `spectrum`. Unnormalised.
    @inline(__always)
    func forward(_ input: UnsafeMutablePointer<Scalar>, spectrum: UnsafeMutablePointer<Scalar>) {
        if inPlace {
            spectrum.update(from: input, count: size)
            Scalar.executeForward(forwardPlan, spectrum, spectrum)
        } else {
            Scalar.executeForward(forwardPlan, input, spectrum)
        }
    }

    /// `size/2+1` interleaved complex bins → `size` real samples (scaled by `size`). Destroys the
    /// bins. `output` may be `spectrum` when ``inPlace``.
    @inline(__always)
    func inverse(_ spectrum: UnsafeMutablePointer<Scalar>, output: UnsafeMutablePointer<Scalar>) {
        if inPlace {
            Scalar.executeInverse(inversePlan, spectrum, spectrum)
            if output != spectrum { output.update(from: spectrum, count: size) }
        } else {
            precondition(output != spectrum, "an out-of-place plan given one buffer")
            Scalar.executeInverse(inversePlan, spectrum, output)
        }
    }
}

/// The process's plans, one per sample type, size and planning mode (a generic class cannot hold
/// a static stored property, so they live here).
private struct SharedPlanKey: Hashable {
    var scalar: ObjectIdentifier
    var size: Int
    var planning: FFTPlanning
}

private let sharedPlans = LockedValue<[SharedPlanKey: AnyObject]>([:])

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

/// Serializes FFTW planning (both libraries') and keeps their wisdom in the user's cache folder
/// (`$XDG_CACHE_HOME/sfconv/fftw3f.wisdom` and `fftw3.wisdom`, else under `~/.cache/sfconv/`).
enum Planner {
    private static let lock = NSLock()
    /// The sample types whose wisdom has been loaded; read and written with the lock held.
    nonisolated(unsafe) private static var wisdomLoaded: Set<ObjectIdentifier> = []

    static func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    static func wisdomPath<Scalar: FFTScalar>(_: Scalar.Type) -> String? {
        let environment = ProcessInfo.processInfo.environment
        if let cache = environment["XDG_CACHE_HOME"], cache.hasPrefix("/") {
            return cache + "/sfconv/" + Scalar.wisdomFileName
        }
        if let home = environment["HOME"], !home.isEmpty {
            return home + "/.cache/sfconv/" + Scalar.wisdomFileName
        }
        return nil
    }

    /// Called with the lock held.
    static func loadWisdomOnce<Scalar: FFTScalar>(_: Scalar.Type) {
        guard wisdomLoaded.insert(ObjectIdentifier(Scalar.self)).inserted else { return }
        if let path = wisdomPath(Scalar.self), FileManager.default.fileExists(atPath: path) {
            _ = Scalar.importWisdom(path)
        }
    }

    /// Called with the lock held. Best effort: a cache that cannot be written costs only speed.
    static func saveWisdom<Scalar: FFTScalar>(_: Scalar.Type) {
        guard let path = wisdomPath(Scalar.self) else { return }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let temporary = path + ".\(getpid()).tmp"
        if Scalar.exportWisdom(temporary) {
            rename(temporary, path)
        } else {
            unlink(temporary)
        }
    }
}
