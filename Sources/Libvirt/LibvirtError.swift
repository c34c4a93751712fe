import CLibvirt

/// A failed libvirt call: libvirt's own error code, the subsystem that raised it and its message.
///
/// libvirt keeps the last error per thread, so a `LibvirtError` must be read on the thread that made the
/// failing call, before any other libvirt call there. Every wrapper in this module does the call and reads
/// the error inside the same worker job; callers never see half-read errors.
public struct LibvirtError: Error, CustomStringConvertible, Sendable, Equatable {
    /// libvirt's `virErrorNumber` (for example `Code.noDomain`).
    public var code: Code
    /// libvirt's `virErrorDomain`: which part of libvirt raised the error (raw value).
    public var domain: Int32
    /// libvirt's message, already in words a person can act on.
    public var message: String
    /// The wrapper operation that failed (for example `"virDomainCreate"`).
    public var operation: String

    public init(code: Code, domain: Int32 = 0, message: String, operation: String) {
        self.code = code
        self.domain = domain
        self.message = message
        self.operation = operation
    }

    public var description: String {
        "libvirt \(operation) failed: \(message) (code \(code.rawValue))"
    }

    /// A libvirt `virErrorNumber`. Only the codes callers branch on are named; others keep their raw value.
    public struct Code: RawRepresentable, Hashable, Sendable {
        public var rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }

        /// `VIR_ERR_INTERNAL_ERROR`.
        public static let internalError = Code(VIR_ERR_INTERNAL_ERROR)
        /// `VIR_ERR_NO_SUPPORT`: the driver (for example `test://`) does not implement the call.
        public static let noSupport = Code(VIR_ERR_NO_SUPPORT)
        /// `VIR_ERR_INVALID_ARG`: also what a driver answers for flags it does not accept.
        public static let invalidArgument = Code(VIR_ERR_INVALID_ARG)
        /// `VIR_ERR_XML_ERROR`: malformed domain XML.
        public static let xmlError = Code(VIR_ERR_XML_ERROR)
        /// `VIR_ERR_XML_DETAIL`: XML well-formed but invalid against libvirt's schema.
        public static let xmlDetail = Code(VIR_ERR_XML_DETAIL)
        /// `VIR_ERR_NO_DOMAIN`: no domain with that name or uuid.
        public static let noDomain = Code(VIR_ERR_NO_DOMAIN)
        /// `VIR_ERR_OPERATION_INVALID`: wrong state for the call (e.g. resume of a running domain).
        public static let operationInvalid = Code(VIR_ERR_OPERATION_INVALID)
        /// `VIR_ERR_OPERATION_UNSUPPORTED`.
        public static let operationUnsupported = Code(VIR_ERR_OPERATION_UNSUPPORTED)
        /// `VIR_ERR_ARGUMENT_UNSUPPORTED`: a flag or parameter the driver does not implement (e.g. peer-to-peer
        /// migration on `test://`).
        public static let argumentUnsupported = Code(VIR_ERR_ARGUMENT_UNSUPPORTED)
        /// `VIR_ERR_OPERATION_TIMEOUT`.
        public static let operationTimeout = Code(VIR_ERR_OPERATION_TIMEOUT)
        /// `VIR_ERR_SYSTEM_ERROR`: e.g. a URI whose driver cannot be opened.
        public static let systemError = Code(VIR_ERR_SYSTEM_ERROR)
        /// Raised by this wrapper, not libvirt: the handle was closed before the call.
        public static let closed = Code(rawValue: -1)

        private init(_ number: virErrorNumber) { rawValue = Int32(bitPattern: number.rawValue) }
    }

    /// The error libvirt recorded for the current thread, which is then cleared.
    ///
    /// Must run on the thread of the failing call, right after it (see the type's documentation).
    static func last(_ operation: String) -> LibvirtError {
        let current = virGetLastError()
        defer { virResetLastError() }
        if current == nil || current.map(RaisedError.isPlaceholder) == true, let raised = RaisedError.take() {
            return LibvirtError(code: Code(rawValue: raised.code), domain: raised.domain, message: raised.message,
                                operation: operation)
        }
        guard let current else {
            return LibvirtError(code: .internalError, message: "libvirt reported no error detail", operation: operation)
        }
        let message = current.pointee.message.map { String(cString: $0) } ?? "no message"
        return LibvirtError(code: Code(rawValue: current.pointee.code), domain: current.pointee.domain,
                            message: message, operation: operation)
    }

    /// Throws the thread's last error when `result` is negative (libvirt's failure convention).
    @discardableResult
    static func check(_ result: Int32, _ operation: String) throws(LibvirtError) -> Int32 {
        if result < 0 { throw last(operation) }
        return result
    }

    /// Unwraps a pointer result, throwing the thread's last error when libvirt returned NULL.
    static func check<P>(_ result: P?, _ operation: String) throws(LibvirtError) -> P {
        guard let result else { throw last(operation) }
        return result
    }
}
