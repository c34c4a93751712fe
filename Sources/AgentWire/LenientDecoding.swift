#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import HostSystem

// ZStack's Java and Python sides sometimes send booleans and numbers as strings ("true", "120"); Python's
// extra-vars turn every value into a string. These overloads shadow the standard ones for every Codable
// type compiled in a module that imports AgentWire, so command structs stay plain `Codable` and still
// accept both spellings. A value that is neither gets an error naming the field and what it held.

/// A scalar the wire may also carry as a JSON string.
public protocol WireScalar: Decodable {
    /// Parses the string form, or nil when the string does not hold a value of this type.
    init?(wireString: String)
    /// Names the expected kind in error messages ("a boolean", "an integer").
    static var wireKind: String { get }
}

extension Bool: WireScalar {
    public init?(wireString: String) {
        switch wireString.trimmingWhitespace().lowercased() {
        case "true": self = true
        case "false": self = false
        default: return nil
        }
    }
    public static var wireKind: String { "a boolean" }
}

extension Int: WireScalar {
    public init?(wireString: String) { self.init(wireString.trimmingWhitespace()) }
    public static var wireKind: String { "an integer" }
}

extension Int32: WireScalar {
    public init?(wireString: String) { self.init(wireString.trimmingWhitespace()) }
    public static var wireKind: String { "a 32-bit integer" }
}

extension Int64: WireScalar {
    public init?(wireString: String) { self.init(wireString.trimmingWhitespace()) }
    public static var wireKind: String { "an integer" }
}

extension UInt64: WireScalar {
    public init?(wireString: String) { self.init(wireString.trimmingWhitespace()) }
    public static var wireKind: String { "a non-negative integer" }
}

extension Double: WireScalar {
    public init?(wireString: String) { self.init(wireString.trimmingWhitespace()) }
    public static var wireKind: String { "a number" }
}

extension KeyedDecodingContainer {
    /// Decodes a scalar given either natively or as a string.
    public func decodeWireScalar<T: WireScalar>(_ type: T.Type, forKey key: Key) throws -> T {
        if let value = try? decode(T.self, forKey: key) { return value }
        if let text = try? decode(String.self, forKey: key) {
            guard let value = T(wireString: text) else {
                throw DecodingError.typeMismatch(T.self, .init(
                    codingPath: codingPath + [key],
                    debugDescription: "expected \(T.wireKind), got \"\(text)\""))
            }
            return value
        }
        // Neither form: let the standard decoder produce its own error (missing key, null, wrong type).
        return try decode(T.self, forKey: key)
    }

    /// Optional form: absent or null is nil; otherwise as `decodeWireScalar`.
    public func decodeWireScalarIfPresent<T: WireScalar>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        return try decodeWireScalar(type, forKey: key)
    }

    public func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try decodeWireScalar(type, forKey: key) }
    public func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try decodeWireScalar(type, forKey: key) }
    public func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try decodeWireScalar(type, forKey: key) }
    public func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try decodeWireScalar(type, forKey: key) }
    public func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try decodeWireScalar(type, forKey: key) }
    public func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try decodeWireScalar(type, forKey: key) }

    public func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? {
        try decodeWireScalarIfPresent(type, forKey: key)
    }
    public func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? {
        try decodeWireScalarIfPresent(type, forKey: key)
    }
    public func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? {
        try decodeWireScalarIfPresent(type, forKey: key)
    }
    public func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? {
        try decodeWireScalarIfPresent(type, forKey: key)
    }
    public func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) throws -> UInt64? {
        try decodeWireScalarIfPresent(type, forKey: key)
    }
    public func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? {
        try decodeWireScalarIfPresent(type, forKey: key)
    }
}
