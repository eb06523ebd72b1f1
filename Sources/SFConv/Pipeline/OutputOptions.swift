import Foundation

/// What the user says about the output file: `--format`, `--subtype`, `--force`.
public struct OutputOptions: Sendable, Equatable {
    /// The container; nil takes it from the output path's extension.
    public var container: Container?
    /// The sample encoding; nil keeps the input's when the container can store it.
    public var subtype: SampleSubtype?
    /// Replace an existing output file.
    public var overwrite: Bool

    public init(container: Container? = nil, subtype: SampleSubtype? = nil, overwrite: Bool = false) {
        self.container = container
        self.subtype = subtype
        self.overwrite = overwrite
    }

    /// The format to write at `path`, given the input's format.
    public func format(for path: String, input: SoundFormat?) throws -> SoundFormat {
        let container: Container
        if let chosen = self.container {
            container = chosen
        } else {
            let ext = URL(fileURLWithPath: path).pathExtension
            guard let fromName = Container(fileExtension: ext) else {
                let known = Container.allCases.map(\.rawValue).joined(separator: ", ")
                throw SFConvError(ext.isEmpty
                    ? "output has no extension to tell its format; add one or use --format (\(known))"
                    : "unknown output extension '.\(ext)'; use --format (\(known))", path: path)
            }
            container = fromName
        }
        return try SoundFormat.forOutput(container: container, requested: subtype, input: input, path: path)
    }

    /// Opens the writer after checking the destination and format.
    public func openWriter(path: String, input: SoundFormat?, channelCount: Int, sampleRate: Int, dither: Bool = false) throws -> SoundFileWriter {
        let format = try format(for: path, input: input)
        return try SoundFileWriter(path: path, format: format, channelCount: channelCount, sampleRate: sampleRate,
                                   overwrite: overwrite, dither: dither)
    }
}
