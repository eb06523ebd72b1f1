import Foundation

/// `channels`: changes the channel count. `to=mono` is the mean of the channels, `to=stereo` copies
/// a mono input to L and R (a stereo input passes), `pick=N` keeps channel N (from 1), and
/// `matrix="a b; c d"` mixes: one row per output channel, one coefficient per input channel.
public struct ChannelsEffect: EffectSpec {
    public enum Mix: Sendable, Equatable {
        case mono, stereo
        case pick(Int)
        case matrix([[Double]])
    }

    public var mix: Mix

    public init(_ mix: Mix) { self.mix = mix }

    public static let kind = EffectKind(
        name: "channels", summary: "down-mix, up-mix, pick or matrix-mix channels",
        parameters: [
            .init("to", .choice(noun: "channel layout", ["mono", "stereo"]), help: "mono: the mean of the channels; stereo: a mono input as L and R."),
            .init("pick", .integer(noun: "a channel number", range: 1...1024), help: "Keep one channel (1 is the first)."),
            .init("matrix", .text(example: "0.5 0.5; 1 0"), help: "Mix: a row per output channel, a coefficient per input channel."),
        ],
        positionalKey: "to"
    ) { reader in
        let given = ["to", "pick", "matrix"].filter(reader.has)
        if given.count != 1 { reader.problem(nil, "channels needs exactly one of 'to', 'pick' and 'matrix'") }
        if let pick = reader.integer("pick") { return ChannelsEffect(.pick(pick)) }
        if let text = reader.text("matrix") {
            guard let rows = parseMatrix(text) else {
                reader.problem("matrix", "expected at most \(SoundFileReader.maximumChannelCount) rows of numbers from -100 to 100 separated by ';', each with one number per input channel (\"0.5 0.5; 1 0\"), found \"\(text.prefix(60))\"")
                return ChannelsEffect(.mono)
            }
            return ChannelsEffect(.matrix(rows))
        }
        return ChannelsEffect(reader.choice("to") == "stereo" ? .stereo : .mono)
    }

    /// The largest coefficient magnitude of a mix matrix (+40 dB).
    static let maximumCoefficient = 100.0

    /// Rows separated by `;`, numbers by spaces (or `/`), each within ±100; every row the same length; nil otherwise.
    static func parseMatrix(_ text: String) -> [[Double]]? {
        let rows = text.split(separator: ";").map { row in
            row.split(whereSeparator: { $0 == " " || $0 == "/" || $0 == "\t" }).map { Numbers.parse(String($0)) }
        }
        guard !rows.isEmpty, rows.count <= SoundFileReader.maximumChannelCount, let width = rows.first?.count, width > 0,
              rows.allSatisfy({ $0.count == width && $0.allSatisfy { $0.map { abs($0) <= maximumCoefficient } ?? false } }) else { return nil }
        return rows.map { $0.map { $0! } }
    }

    public var kindName: String { "channels" }

    public var summary: String {
        switch mix {
        case .mono: "channels to mono (mean)"
        case .stereo: "channels to stereo"
        case .pick(let n): "channels: keep channel \(n)"
        case .matrix(let rows): "channels: mix matrix \(rows.map { $0.map(Numbers.format).joined(separator: " ") }.joined(separator: "; "))"
        }
    }

    /// The mix as a matrix for `inputs` channels: rows are outputs.
    func matrix(inputs: Int, context: BindContext) throws -> [[Sample]] {
        switch mix {
        case .mono:
            return [[Sample](repeating: 1 / Sample(inputs), count: inputs)]
        case .stereo:
            guard inputs <= 2 else {
                throw EffectProblem("to", "stereo needs a mono or stereo input, not \(inputs) channels; use to=mono first or a matrix")
            }
            return inputs == 1 ? [[1], [1]] : [[1, 0], [0, 1]]
        case .pick(let n):
            guard n <= inputs else { throw EffectProblem("pick", "channel \(n) does not exist: the input has \(inputs) channel(s)") }
            return [(0..<inputs).map { $0 == n - 1 ? 1 : 0 }]
        case .matrix(let rows):
            guard rows[0].count == inputs else {
                throw EffectProblem("matrix", "each row needs \(inputs) coefficient(s), one per input channel, not \(rows[0].count)")
            }
            return rows
        }
    }

    public func bind(_ context: BindContext) throws -> BoundEffect {
        let inputs = context.channelCount
        let matrix = try matrix(inputs: inputs, context: context)
        return BoundEffect(summary: summary, channels: (inputs, matrix.count)) { MatrixProcessor(matrix: matrix) }
    }
}

/// Mixes channels by a matrix: output[o] = Σ matrix[o][i] · input[i].
final class MatrixProcessor: AudioProcessor {
    let matrix: [[Sample]]
    let inputChannelCount: Int
    let outputChannelCount: Int
    private var buffer: [Sample] = []

    init(matrix: [[Sample]]) {
        self.matrix = matrix
        inputChannelCount = matrix[0].count
        outputChannelCount = matrix.count
    }

    func process(_ frames: UnsafeMutablePointer<Sample>, count: Int, next: FrameSink) throws {
        let needed = count * outputChannelCount
        if buffer.count < needed { buffer = [Sample](repeating: 0, count: needed) }
        try buffer.withUnsafeMutableBufferPointer { out in
            for frame in 0..<count {
                let input = frames + frame * inputChannelCount
                for (o, row) in matrix.enumerated() {
                    var sum: Sample = 0
                    for i in 0..<inputChannelCount { sum += row[i] * input[i] }
                    out[frame * outputChannelCount + o] = sum
                }
            }
            try next(out.baseAddress!, count)
        }
    }

    func finish(next: FrameSink) throws {}
}
