/// A command ran longer than its timeout.
public struct CommandTimeoutError: Error, CustomStringConvertible {
    public let path: String
    public let timeout: Duration

    public var description: String {
        "\(path) did not finish within \(timeout.components.seconds) s; it was cancelled"
    }
}
