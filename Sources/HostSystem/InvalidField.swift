/// A command field that does not hold what it must; raised before anything is applied.
public struct InvalidField: Error, CustomStringConvertible, Equatable, Sendable {
    /// The wire path of the field, e.g. `dhcpEntries[0].mac`.
    public let field: String
    /// The offending value, as received.
    public let value: String
    /// What the value should have been.
    public let expected: String

    public init(field: String, value: String?, expected: String) {
        self.field = field
        self.value = value ?? "<missing>"
        self.expected = expected
    }

    // `String(reflecting:)` escapes newlines and quotes, so a hostile value cannot forge log lines.
    public var description: String {
        "invalid \(field): \(String(reflecting: value)) is not \(expected)"
    }
}
