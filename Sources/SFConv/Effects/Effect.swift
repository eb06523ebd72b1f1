import Foundation

/// One effect's parameters, parsed and validated once (by its ``EffectKind``), ready to be bound
/// to an input's rate and channels. Each kind lives in one file of `Effects/`.
public protocol EffectSpec: Sendable {
    /// The kind's name as written in presets (`lowpass`, `reverb`).
    var kindName: String { get }
    /// The parameters, one line (`presets show`).
    var summary: String { get }
    /// Files the effect reads, by key and name as written (checked by `presets check`).
    var files: [(key: String, name: String)] { get }
    /// Whether the effect must end the chain (a second pass such as `normalize`).
    var mustBeLast: Bool { get }
    /// Designs, loads and prepares what processing needs at the context's rate and channels.
    /// Errors about a key are ``EffectProblem``s, placed by the chain at the key's location.
    func bind(_ context: BindContext) throws -> BoundEffect
}

extension EffectSpec {
    public var files: [(key: String, name: String)] { [] }
    public var mustBeLast: Bool { false }
}

/// An error found while binding, about one key (nil: the effect as a whole).
public struct EffectProblem: Error, Sendable {
    public var key: String?
    public var message: String

    public init(_ key: String?, _ message: String) {
        self.key = key
        self.message = message
    }
}

/// A second pass over the rendered output (the last effect only).
public enum FinalPass: Sendable, Equatable {
    /// Peak-normalise to this level in dBFS.
    case peak(dBFS: Double)
    /// Bring the integrated loudness to a target (EBU R128).
    case loudness(LoudnessTarget)
}

/// One effect bound to an input format: what `--dry-run` shows, and a maker of processors that
/// share its kernel (so a batch transforms each kernel once).
public struct BoundEffect: Sendable {
    public var summary: String
    public var channels: (input: Int, output: Int)
    /// Taps of its kernel, when it convolves.
    public var kernelLength: Int?
    /// Frames of delay it removes (negative: a linear-phase filter's) or adds (a delay, padding).
    public var latency: Int
    /// Frames it adds after the input's end (its tail).
    public var tail: Int
    /// The tail may end sooner (a reverb's `tail = auto`).
    public var tailIsUpperBound = false
    /// Bytes it holds (kernel spectra and its processors' buffers), charged to the memory budget.
    public var memoryBytes = 0
    /// A fresh processor for one file; nil for an effect that only changes a second pass.
    public let makeProcessor: (@Sendable () -> AudioProcessor)?
    public var finalPass: FinalPass?
    /// The output length for an input of `n` frames, when the effect does not keep it as
    /// latency and tail say (a trim).
    public var length: (@Sendable (Int) -> Int)?

    init(summary: String, channels: (input: Int, output: Int), kernelLength: Int? = nil, latency: Int = 0, tail: Int = 0,
         finalPass: FinalPass? = nil, length: (@Sendable (Int) -> Int)? = nil, makeProcessor: (@Sendable () -> AudioProcessor)?) {
        self.summary = summary
        self.channels = channels
        self.kernelLength = kernelLength
        self.latency = latency
        self.tail = tail
        self.finalPass = finalPass
        self.length = length
        self.makeProcessor = makeProcessor
    }

    /// Frames out for `n` frames in.
    public func outputLength(forInput n: Int) -> Int {
        length?(n) ?? max(0, n + max(0, latency) + tail)
    }
}

/// Kernel and impulse files as effects see them: found by name and loaded at a rate. The
/// pipeline supplies it (files are read in AudioIO, never by an effect itself).
public protocol AudioFiles: Sendable {
    /// The path for a name written in a chain; the error says where it looked.
    func resolve(_ name: String) throws -> String
    /// The whole file at `rate` Hz (resampled when `resample`; otherwise another rate is an error).
    func load(_ path: String, rate: Int, resample: Bool, diagnostics: Diagnostics) throws -> AudioBuffer
    /// Opens the file's header only: an error when it is not readable audio.
    func check(_ path: String) throws
}

/// What binding an effect needs to know about its input and the run.
public struct BindContext: Sendable {
    /// The effect's input (the previous effect's output).
    public var channelCount: Int
    public var sampleRate: Int
    /// The input file, for messages.
    public var inputPath: String
    /// The frames the effect's input will hold, when known.
    public var inputFrameCount: Int?
    public var files: any AudioFiles
    public var planning: FFTPlanning = .estimate
    /// The arithmetic of every convolution (chosen for the output's format).
    public var precision: Precision = .single
    /// Partition size for every convolution (a power of two); nil chooses by kernel length.
    public var blockSize: Int?
    /// Resample kernels at another rate (otherwise an error).
    public var resample = true
    public var diagnostics: Diagnostics = .silent
    /// How keys are named in messages.
    public var origin: ChainLocation.Origin = .commandLine
    /// The most memory the run may take, in bytes (`--max-memory`); checked before allocating.
    public var memoryBudget = BindContext.defaultMemoryBudget
    /// Bytes the chain's earlier effects hold (added up by ``EffectChain/bind(_:)``).
    public var memoryReserved = 0
    /// Processors made at once from this binding (a batch's `--jobs`): each has its own buffers.
    public var concurrentProcessors = 1

    /// Half the machine's memory.
    public static var defaultMemoryBudget: Int { Int(clamping: ProcessInfo.processInfo.physicalMemory / 2) }

    public init(channelCount: Int, sampleRate: Int, inputPath: String, files: any AudioFiles) {
        self.channelCount = channelCount
        self.sampleRate = sampleRate
        self.inputPath = inputPath
        self.files = files
    }

    /// `'key'` or `--key`.
    public func name(_ key: String) -> String { ChainLocation(origin: origin, keyPath: "").name(of: key) }

    /// The plan for a convolution — `blockSize` when given, else the fastest by the cost model
    /// whose spectra and concurrent convolvers' buffers fit what is left of the memory budget —
    /// and the bytes it takes. When none fits, the error names the least any plan needs.
    func convolutionPlan(kernelLength: Int, kernelChannels: Int, routing: ChannelRouting, key: String?) throws -> (plan: PartitionPlan, bytes: Int) {
        let candidates = blockSize.map { [PartitionPlan(kernelLength: kernelLength, blockSize: $0)] }
            ?? PartitionPlan.byEstimatedCost(kernelLength: kernelLength, precision: precision)
        func bytes(_ plan: PartitionPlan) -> Int {
            let estimate = plan.estimatedBytes(kernelChannels: kernelChannels, inputChannels: routing.inputChannelCount,
                                               outputChannels: routing.outputChannelCount, precision: precision)
            return estimate.spectra + estimate.perConvolver * concurrentProcessors
        }
        let sized = candidates.map { (plan: $0, bytes: bytes($0)) }
        let chosen = sized.first { memoryReserved + $0.bytes <= memoryBudget } ?? sized.min { $0.bytes < $1.bytes }!
        try reserve(chosen.bytes, for: "a \(kernelLength)-frame, \(kernelChannels)-channel kernel", key: key)
        return chosen
    }

    /// An error when `bytes`, with what the chain already holds, exceed the budget, naming what needs them.
    func reserve(_ bytes: Int, for what: String, key: String?) throws {
        guard memoryReserved + bytes > memoryBudget else { return }
        func mebibytes(_ n: Int) -> String { String(format: "%.1f MiB", Double(n) / 1_048_576) }
        let held = memoryReserved > 0 ? " (the chain's other effects hold \(mebibytes(memoryReserved)))" : ""
        throw EffectProblem(key, "\(what) needs about \(mebibytes(bytes)), more than the memory budget of \(mebibytes(memoryBudget)) allows\(held) (--max-memory)")
    }

    /// Checked frames for a time in seconds or frames at this rate.
    func frames(_ time: TimeValue, key: String?) throws -> Int {
        do {
            return try time.frames(at: sampleRate, "the number of frames")
        } catch let error as SFConvError {
            throw EffectProblem(key, error.message)
        }
    }
}

/// The effect kinds, in the order help lists them. Adding an effect: a file in `Effects/` with
/// its spec and kind, and a line here.
public enum EffectRegistry {
    public static let kinds: [EffectKind] = [GainEffect.kind, DelayEffect.kind, PadEffect.kind, TrimEffect.kind, ChannelsEffect.kind]
        + FilterEffect.kinds + [ConvolveEffect.kind, ReverbEffect.kind, NormalizeEffect.kind, LoudnessEffect.kind]

    public static var names: [String] { kinds.map(\.name) }

    public static func kind(named name: String) -> EffectKind? { kinds.first { $0.name == name } }

    /// The kind for `name`, or an error at `location` with a suggestion.
    public static func kind(named name: String, at location: ChainLocation) throws -> EffectKind {
        guard let kind = kind(named: name) else {
            throw location.error("unknown effect type '\(name)'\(suggestion(for: name, among: names)); expected one of \(names.joined(separator: ", "))")
        }
        return kind
    }

    /// Every kind with its keys, for `apply --help`.
    public static var help: String {
        kinds.map { kind in
            let keys = kind.parameters.map(\.key).joined(separator: ", ")
            return "  \(kind.name)\(keys.isEmpty ? "" : " (\(keys))"): \(kind.summary)"
        }.joined(separator: "\n")
    }
}

/// An effect kind: its name, its parameters as data, and how a spec is made from values.
public struct EffectKind: Sendable {
    public let name: String
    public let summary: String
    public let parameters: [ParameterDeclaration]
    /// The key a bare value in an inline chain stands for (`channels:mono` is `channels:to=mono`).
    public let positionalKey: String?
    let build: @Sendable (inout ParameterReader) -> any EffectSpec

    init(name: String, summary: String, parameters: [ParameterDeclaration], positionalKey: String? = nil,
         build: @escaping @Sendable (inout ParameterReader) -> any EffectSpec) {
        self.name = name
        self.summary = summary
        self.parameters = parameters
        self.positionalKey = positionalKey
        self.build = build
    }

    public var keys: [String] { parameters.map(\.key) }

    public func parameter(_ key: String) -> ParameterDeclaration? { parameters.first { $0.key == key } }

    /// The spec for these values, or every problem found in them (unknown keys, types, ranges,
    /// combinations).
    public func make(_ values: [String: PlacedValue], at location: ChainLocation) throws -> any EffectSpec {
        var problems: [SFConvError] = []
        for (key, placed) in values.sorted(by: { $0.key < $1.key }) where parameter(key) == nil {
            if placed.location.origin == .commandLine {
                let options = parameters.map(\.optionName).joined(separator: ", ")
                problems.append(SFConvError("\(placed.location.keyPath) does not apply to \(name), which takes \(options)"))
            } else {
                problems.append(placed.location.error("unknown key '\(key)' for \(name)\(suggestion(for: key, among: keys)); expected one of \(keys.joined(separator: ", "))"))
            }
        }
        var reader = ParameterReader(kind: self, location: location, values: values.filter { parameter($0.key) != nil })
        let spec = build(&reader)
        let unknown = values.keys.filter { parameter($0) == nil }
        let missing = reader.missing.filter { missing in !unknown.contains { editDistance($0.lowercased(), missing.key) <= 2 } }
        try SFConvErrors.throwIfAny(problems + missing.map(\.problem) + reader.problems)
        return spec
    }
}
