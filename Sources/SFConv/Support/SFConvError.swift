/// The one error type of the library: a human message, and the file it is about when there is one.
///
/// The command-line tool prints it as `error: <message> (<path>)`.
public struct SFConvError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var path: String?

    public init(_ message: String, path: String? = nil) {
        self.message = message
        self.path = path
    }

    public var description: String {
        guard let path else { return message }
        return "\(message) (\(path))"
    }
}
