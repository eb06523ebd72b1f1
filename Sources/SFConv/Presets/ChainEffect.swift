import Foundation

/// Where an effect or a value came from, for error messages: a preset file's line and key path,
/// or a part of an inline `--chain`.
public struct PresetLocation: Sendable, Equatable, CustomStringConvertible {
    /// The preset file, or nil for an inline chain.
    public var path: String?
    public var line: Int?
    public var column: Int?
    /// `effect[2].cutoff`, or for an inline chain `effect 2 ('lowpass:cutoff=90')`.
    public var keyPath: String

    public init(path: String?, line: Int?, column: Int? = nil, keyPath: String) {
        self.path = path
        self.line = line
        self.column = column
        self.keyPath = keyPath
    }

    public var description: String {
        var place = path ?? "--chain"
        if let line { place += ":\(line)" }
        if let column { place += ":\(column)" }
        return keyPath.isEmpty ? place : "\(place): \(keyPath)"
    }

    /// An error at this place.
    func error(_ message: String) -> SFConvError { SFConvError("\(self): \(message)") }
}

/// One effect of a chain, with its parameters checked for type and range (what can be checked
/// before the input's rate and channels are known).
public enum ChainEffect: Sendable {
    /// A gain in dB.
    case gain(decibels: Double)
    /// A delay in milliseconds: silence first, the output longer by as much.
    case delay(milliseconds: Double)
    /// A FIR filter designed at the input's rate (`spec.rate` is replaced), latency-compensated
    /// like `sfconv filter` unless `keepDelay`.
    case filter(spec: FilterSpec, keepDelay: Bool)
    /// Convolution with a kernel file, keeping `mode`'s part.
    case convolve(kernel: String, mode: ConvolutionMode, correlate: Bool)
    /// A reverb through an impulse response file.
    case reverb(impulse: String, settings: ReverbSettings)
    /// Peak normalisation to a level in dBFS (the last effect only; a second pass).
    case normalize(dBFS: Double)

    /// The effect's type as written in presets.
    public var typeName: String {
        switch self {
        case .gain: "gain"
        case .delay: "delay"
        case .filter(let spec, _): spec.type.rawValue
        case .convolve: "convolve"
        case .reverb: "reverb"
        case .normalize: "normalize"
        }
    }
}

/// An effect and where it was written.
public struct LocatedEffect: Sendable {
    public var effect: ChainEffect
    public var location: PresetLocation
    /// Where each key was written (for errors found when the chain meets the input).
    public var keyLocations: [String: PresetLocation]

    func location(of key: String) -> PresetLocation { keyLocations[key] ?? location }
}

/// A chain of effects and the output settings that go with it.
public struct EffectChain: Sendable {
    public var name: String
    public var description: String?
    /// The preset file, nil for an inline chain.
    public var path: String?
    public var outputSubtype: SampleSubtype?
    public var outputContainer: Container?
    public var effects: [LocatedEffect]

    /// Folders searched, in order, for a relative kernel or impulse file.
    public var fileSearchFolders: [String]

    /// The normalisation level when the chain ends with `normalize`.
    var normalizeLevel: Double? {
        if case .normalize(let level) = effects.last?.effect { return level }
        return nil
    }
}

/// Edit distance, for "did you mean" suggestions.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    var previous = Array(0...b.count)
    for i in 1...max(a.count, 1) where !a.isEmpty {
        var current = [i] + [Int](repeating: 0, count: b.count)
        for j in 1...max(b.count, 1) where !b.isEmpty {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return a.isEmpty ? b.count : previous[b.count]
}

/// " (did you mean 'x'?)" when one of `candidates` is within two edits of `word`.
func suggestion(for word: String, among candidates: [String]) -> String {
    let best = candidates.map { ($0, editDistance(word.lowercased(), $0)) }.min { $0.1 < $1.1 }
    guard let best, best.1 <= 2 else { return "" }
    return " (did you mean '\(best.0)'?)"
}
