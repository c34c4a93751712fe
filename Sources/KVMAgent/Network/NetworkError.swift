/// A bridge command that cannot be done, in words an operator can act on; it becomes the in-band error.
struct NetworkError: Error, Sendable, Equatable, CustomStringConvertible {
    let message: String

    init(_ message: String) {
        self.message = message
    }

    var description: String { message }
}
