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

/// Several errors found in one pass (every problem of a preset), reported together.
public struct SFConvErrors: Error, Sendable, CustomStringConvertible {
    public var errors: [SFConvError]

    public init(_ errors: [SFConvError]) {
        precondition(!errors.isEmpty)
        self.errors = errors
    }

    public var description: String { errors.map(\.description).joined(separator: "\n") }

    /// Throws the errors found, if any: one alone as itself, several together.
    public static func throwIfAny(_ errors: [SFConvError]) throws {
        if errors.count == 1 { throw errors[0] }
        if errors.count > 1 { throw SFConvErrors(errors) }
    }

    /// The errors inside any error this library throws.
    public static func list(_ error: Error) -> [SFConvError] {
        switch error {
        case let many as SFConvErrors: many.errors
        case let one as SFConvError: [one]
        default: [SFConvError("\(error)")]
        }
    }
}
