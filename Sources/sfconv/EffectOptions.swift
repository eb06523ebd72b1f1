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

    /// This chain peak-normalised to `level` (`--normalize`).
    func normalized(to level: String?) throws -> EffectChain {
        guard let level else { return self }
        var effect = CommandLineEffect("normalize")
        effect.set("db", level, as: "--normalize")
        var chain = self
        chain.entries.append(try effect.entry())
        try SFConvErrors.throwIfAny(chain.orderProblems())
        return chain
    }
}
