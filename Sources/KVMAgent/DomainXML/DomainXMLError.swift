/// Why a `KVM.StartVmCmd` cannot become a domain: the field at fault and what it should hold.
public struct DomainXMLError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { "cannot build the domain XML: \(message)" }
}
