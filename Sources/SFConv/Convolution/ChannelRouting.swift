/// Which kernel channel connects which input channel to which output channel.
///
/// - a mono kernel applies to every channel;
/// - a kernel with the input's C channels applies channel by channel;
/// - a mono input with a C-channel kernel gives C channels (x ∗ h[c]);
/// - a stereo input with a 4-channel kernel is true stereo, kernel channels ordered
///   L→L, L→R, R→L, R→R: yL = xL∗h0 + xR∗h2, yR = xL∗h1 + xR∗h3.
public struct ChannelRouting: Sendable, Equatable {
    public struct Term: Sendable, Equatable {
        public var input: Int
        public var output: Int
        public var kernelChannel: Int
    }

    public let inputChannelCount: Int
    public let outputChannelCount: Int
    public let terms: [Term]

    /// The routing for these channel counts, or nil when no rule applies.
    public init?(inputChannels: Int, kernelChannels: Int) {
        precondition(inputChannels >= 1 && kernelChannels >= 1)
        inputChannelCount = inputChannels
        switch (inputChannels, kernelChannels) {
        case (_, 1):
            outputChannelCount = inputChannels
            terms = (0..<inputChannels).map { Term(input: $0, output: $0, kernelChannel: 0) }
        case (let c, let k) where c == k:
            outputChannelCount = c
            terms = (0..<c).map { Term(input: $0, output: $0, kernelChannel: $0) }
        case (1, let k):
            outputChannelCount = k
            terms = (0..<k).map { Term(input: 0, output: $0, kernelChannel: $0) }
        case (2, 4):
            outputChannelCount = 2
            terms = [
                Term(input: 0, output: 0, kernelChannel: 0),
                Term(input: 0, output: 1, kernelChannel: 1),
                Term(input: 1, output: 0, kernelChannel: 2),
                Term(input: 1, output: 1, kernelChannel: 3),
            ]
        default:
            return nil
        }
    }

    /// The routing, or an error naming both channel counts and both files.
    public static func resolve(inputChannels: Int, kernelChannels: Int, inputPath: String, kernelPath: String) throws -> ChannelRouting {
        guard let routing = ChannelRouting(inputChannels: inputChannels, kernelChannels: kernelChannels) else {
            throw SFConvError(
                "a \(kernelChannels)-channel kernel (\(kernelPath)) cannot apply to a \(inputChannels)-channel input: use a mono kernel, a \(inputChannels)-channel kernel\(inputChannels == 2 ? ", or a 4-channel true-stereo kernel" : "")",
                path: inputPath)
        }
        return routing
    }
}
