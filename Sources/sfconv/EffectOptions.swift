import ArgumentParser
import Foundation
import SFConv

/// Command-line options of one effect (`reverb`'s `--wet`, `filter`'s `--cutoff`), gathered as the
/// effect kind's keys so that they are parsed and range-checked exactly as in a preset, with the
/// messages naming the option.
struct CommandLineEffect {
    let kind: String
    private var values: [String: PlacedValue] = [:]

    init(_ kind: String) { self.kind = kind }

    /// The value of `key` as written, if given (`--ir-trim-start` for `ir_trim_start`).
    mutating func set(_ key: String, _ text: String?, as placeName: String? = nil) {
        guard let text else { return }
        values[key] = PlacedValue(RawValue(text: text), at: ChainLocation(origin: .commandLine, keyPath: placeName ?? Self.option(key)))
    }

    /// A value given verbatim (a file name, eq points), not typed by its look.
    mutating func setText(_ key: String, _ text: String?, as placeName: String? = nil) {
        guard let text else { return }
        values[key] = PlacedValue(.text(text), at: ChainLocation(origin: .commandLine, keyPath: placeName ?? Self.option(key)))
    }

    /// A flag, when set.
    mutating func set(_ key: String, _ flag: Bool) {
        if flag { values[key] = PlacedValue(.boolean(true), at: ChainLocation(origin: .commandLine, keyPath: Self.option(key))) }
    }

    static func option(_ key: String) -> String { "--" + key.replacingOccurrences(of: "_", with: "-") }

    /// The effect, checked by its kind.
    func entry() throws -> ChainEntry {
        try ChainEntry.parse(type: kind, values: values, at: ChainLocation(origin: .commandLine, keyPath: ""))
    }

    /// A one-effect chain whose files are paths as given.
    func chain() throws -> EffectChain {
        EffectChain(name: kind, entries: [try entry()])
    }
}

/// An effect kind's help for one key, for `@Option(help:)`.
func effectHelp(_ kind: String, _ key: String, valueName: String? = nil) -> ArgumentHelp {
    let declaration = EffectRegistry.kind(named: kind)?.parameter(key)
    return ArgumentHelp(declaration?.help ?? "", valueName: valueName)
}

/// `--channels keep|mono|stereo`: a trailing `channels` effect.
enum ChannelLayout: String, ExpressibleByArgument, CaseIterable {
    case keep, mono, stereo
}

extension EffectChain {
    /// This chain with `entry` added at the end, before a final second-pass effect.
    func appending(_ entry: ChainEntry) -> EffectChain {
        var chain = self
        let index = chain.entries.last?.spec.mustBeLast == true ? chain.entries.count - 1 : chain.entries.count
        chain.entries.insert(entry, at: index)
        return chain
    }

    /// This chain with the `--channels` layout applied.
    func with(_ layout: ChannelLayout) throws -> EffectChain {
        guard layout != .keep else { return self }
        var effect = CommandLineEffect("channels")
        effect.set("to", layout.rawValue, as: "--channels")
        return appending(try effect.entry())
    }

    /// This chain with `effect` appended as its last (second-pass) effect, when given.
    func ending(with effect: CommandLineEffect?) throws -> EffectChain {
        guard let effect else { return self }
        if let last = entries.last?.spec, last.mustBeLast {
            throw SFConvError("the chain (\(name)) already ends with '\(last.kindName)', a second pass that must come last; --normalize and --normalize-loudness add another: drop one of them")
        }
        var chain = self
        chain.entries.append(try effect.entry())
        try SFConvErrors.throwIfAny(chain.orderProblems())
        return chain
    }
}

/// `--normalize [dBFS]`, `--normalize-loudness LUFS`, `--true-peak DBTP`: a second pass that
/// brings the output's peak or its loudness to a target (the `normalize` and `loudness` effects).
struct NormalizeOptionGroup: ParsableArguments {
    @Option(help: ArgumentHelp("Peak-normalise the output to this level in dBFS (two passes; '--normalize' alone means -1).", valueName: "dBFS"))
    var normalize: String?

    @Option(help: ArgumentHelp("Normalise the integrated loudness (EBU R128 / BS.1770) to this level in LUFS, e.g. -16 for podcasts, -23 for broadcast (two passes).", valueName: "LUFS"))
    var normalizeLoudness: String?

    @Option(help: ArgumentHelp("With --normalize-loudness: the highest true peak allowed in dBTP (default 0, so the gain never clips; -1 as EBU R128 advises); the gain stops short of the loudness target rather than pass it.", valueName: "dBTP"))
    var truePeak: String?

    func validate() throws {
        if normalize != nil && normalizeLoudness != nil { throw ValidationError("--normalize (peak) and --normalize-loudness both set the output's level; choose one") }
        if truePeak != nil && normalizeLoudness == nil { throw ValidationError("--true-peak goes with --normalize-loudness") }
    }

    /// The final effect these options ask for, if any.
    var effect: CommandLineEffect? {
        if let normalize {
            var effect = CommandLineEffect("normalize")
            effect.set("db", normalize, as: "--normalize")
            return effect
        }
        guard let normalizeLoudness else { return nil }
        var effect = CommandLineEffect("loudness")
        effect.set("lufs", normalizeLoudness, as: "--normalize-loudness")
        effect.set("true_peak", truePeak, as: "--true-peak")
        return effect
    }
}
