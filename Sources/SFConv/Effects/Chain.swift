import Foundation

/// One effect of a chain and where it was written.
public struct ChainEntry: Sendable {
    public var spec: any EffectSpec
    /// Where the effect was written (its `type` line, its part of `--chain`, its command).
    public var location: ChainLocation
    /// Where each key was written (for errors found when the chain meets the input).
    public var keyLocations: [String: ChainLocation]

    public init(spec: any EffectSpec, location: ChainLocation, keyLocations: [String: ChainLocation] = [:]) {
        self.spec = spec
        self.location = location
        self.keyLocations = keyLocations
    }

    /// Parses one effect: its kind by name, its values checked by the kind's declarations.
    public static func parse(type: String, values: [String: PlacedValue], at location: ChainLocation) throws -> ChainEntry {
        let kind = try EffectRegistry.kind(named: type, at: location)
        return ChainEntry(spec: try kind.make(values, at: location), location: location, keyLocations: values.mapValues(\.location))
    }

    /// An error of this effect's, placed at the key it is about.
    public func placed(_ error: Error) -> Error {
        guard let problem = error as? EffectProblem else { return error }
        return (problem.key.flatMap { keyLocations[$0] } ?? location).error(problem.message)
    }
}

/// A chain of effects and the output settings that go with it: what a preset, an inline
/// `--chain`, or the options of `convolve`, `filter` and `reverb` become.
public struct EffectChain: Sendable {
    public var name: String
    public var description: String?
    /// The preset file, nil otherwise.
    public var path: String?
    /// The preset's `[output]`: below the command line and OUT's extension.
    public var outputSubtype: SampleSubtype?
    public var outputContainer: Container?
    /// The preset's `[output] precision`.
    public var outputPrecision: PrecisionSetting?
    public var entries: [ChainEntry]
    /// Folders searched, in order, for a relative kernel or impulse file.
    public var fileSearchFolders: [String]

    /// The most effects a chain may have.
    public static let maximumLength = 256

    public init(name: String, entries: [ChainEntry], fileSearchFolders: [String] = [], path: String? = nil) {
        self.name = name
        self.entries = entries
        self.fileSearchFolders = fileSearchFolders
        self.path = path
    }

    /// Order rules: at least one effect, at most ``maximumLength``, a second-pass effect last.
    public func orderProblems() -> [SFConvError] {
        if entries.isEmpty { return [SFConvError("the chain has no effects", path: path)] }
        if entries.count > Self.maximumLength {
            return [SFConvError("the chain has \(entries.count) effects; at most \(Self.maximumLength) are allowed", path: path)]
        }
        return entries.dropLast().filter(\.spec.mustBeLast).map { $0.location.error("\($0.spec.kindName) must be the last effect") }
    }

    /// Binds every effect in turn to the format its predecessor produces. Nothing is rendered.
    public func bind(_ context: BindContext) throws -> BoundChain {
        var context = context
        var bound: [BoundEffect] = []
        for entry in entries {
            context.origin = entry.location.origin
            let effect: BoundEffect
            do {
                effect = try entry.spec.bind(context)
            } catch {
                throw entry.placed(error)
            }
            bound.append(effect)
            context.channelCount = effect.channels.output
            context.memoryReserved += effect.memoryBytes
            context.inputFrameCount = context.inputFrameCount.map(effect.outputLength(forInput:))
        }
        return BoundChain(effects: bound, inputChannelCount: bound.first?.channels.input ?? context.channelCount)
    }
}

/// A chain bound to an input format: processors for each file share its kernels.
public struct BoundChain: Sendable {
    public var effects: [BoundEffect]
    public var inputChannelCount: Int

    public var outputChannelCount: Int { effects.last?.channels.output ?? inputChannelCount }

    /// No effects: the input unchanged.
    public static func identity(channelCount: Int) -> BoundChain { BoundChain(effects: [], inputChannelCount: channelCount) }

    /// The second pass the last effect asks for.
    public var finalPass: FinalPass? { effects.last?.finalPass }

    /// Frames out for `n` frames in.
    public func outputLength(forInput n: Int) -> Int {
        effects.reduce(n) { $1.outputLength(forInput: $0) }
    }

    /// A fresh processor for one file (a pass-through when no effect processes).
    public func makeProcessor() -> AudioProcessor {
        let processors = effects.compactMap { $0.makeProcessor?() }
        return processors.isEmpty ? GainProcessor(gain: 1, channelCount: inputChannelCount) : ChainProcessor(processors)
    }

    /// This chain with `other` (bound to this one's output) added at the end, before a final
    /// second-pass effect (which stays last).
    public func inserting(_ other: BoundChain) -> BoundChain {
        var all = effects
        all.insert(contentsOf: other.effects, at: effects.last?.finalPass != nil ? effects.count - 1 : effects.count)
        return BoundChain(effects: all, inputChannelCount: inputChannelCount)
    }
}

/// Processors in series: each one's output is the next one's input. The depth of the calls is
/// the chain's length, which ``EffectChain/maximumLength`` bounds.
final class ChainProcessor: AudioProcessor {
    let processors: [AudioProcessor]

    init(_ processors: [AudioProcessor]) {
        precondition(!processors.isEmpty)
        precondition(zip(processors, processors.dropFirst()).allSatisfy { $0.outputChannelCount == $1.inputChannelCount })
        self.processors = processors
    }

    var inputChannelCount: Int { processors[0].inputChannelCount }
    var outputChannelCount: Int { processors.last!.outputChannelCount }

    private func push(from index: Int, _ frames: UnsafeMutablePointer<Sample>, _ count: Int, next: FrameSink) throws {
        if index == processors.count { return try next(frames, count) }
        try processors[index].process(frames, count: count) { try push(from: index + 1, $0, $1, next: next) }
    }

    func process(_ frames: UnsafeMutablePointer<Sample>, count: Int, next: FrameSink) throws {
        try push(from: 0, frames, count, next: next)
    }

    func finish(next: FrameSink) throws {
        for index in processors.indices {
            try processors[index].finish { try push(from: index + 1, $0, $1, next: next) }
        }
    }
}
