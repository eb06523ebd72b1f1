import ArgumentParser
import SFConv

struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The null test: how far apart two audio files are, sample by sample.",
        discussion: """
            Both files are read as double precision (exact for every PCM width) and subtracted. \
            Prints whether they are bit-identical, how many samples differ and where the first is, \
            and the largest and RMS difference in dBFS and in LSB of the finer integer encoding. \
            The channel counts and rates must match; different lengths are compared over the \
            shorter. The exit status is 0 whenever the comparison ran: read the verdict (or \
            --json's bitIdentical).

            Examples:
              sfconv diff original.wav roundtrip.wav
              sfconv diff a.flac b.flac --json
            """)

    @Argument(help: "The first file.") var a: String
    @Argument(help: "The second file.") var b: String
    @Flag(help: "Print the figures as JSON.") var json = false

    func run() throws {
        let result = try NullTest.compare(a, b)
        if json { try printJSON(result) } else { print(result.text) }
    }
}
