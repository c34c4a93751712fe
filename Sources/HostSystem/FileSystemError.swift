#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file operation the OS refused, with the path and the OS's reason.
public struct FileSystemError: Error, Sendable, Equatable, CustomStringConvertible {
    public let operation: String
    public let path: String
    /// The `errno` value, or 0 when the refusal is ours (e.g. a path outside a confined root).
    public let code: Int32
    public let detail: String

    public init(_ operation: String, _ path: String, code: Int32 = errno) {
        self.operation = operation
        self.path = path
        self.code = code
        self.detail = String(cString: strerror(code))
    }

    public init(_ operation: String, _ path: String, detail: String) {
        self.operation = operation
        self.path = path
        self.code = 0
        self.detail = detail
    }

    public var description: String { "cannot \(operation) \(path): \(detail)" }
}
