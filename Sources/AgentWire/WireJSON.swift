#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// JSON coding as the ZStack protocol wants it: lenient scalars on input (see `WireScalar`), nil fields
/// omitted on output, unknown fields ignored, and decode failures described in words a person can act on.
public enum WireJSON {
    /// Decodes a command body. An empty body is treated as `{}`: the MN sends `""` for field-less commands.
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: some Collection<UInt8>) throws(WireDecodingError) -> T {
        let data = bytes.isEmpty ? Data("{}".utf8) : Data(bytes)
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw WireDecodingError(error)
        } catch {
            throw WireDecodingError(message: "malformed JSON: \(error)")
        }
    }

    /// Encodes a reply or command; keys sorted so bodies are stable in logs and tests.
    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }
}

/// Why a request body could not be turned into a command.
public struct WireDecodingError: Error, CustomStringConvertible, Sendable {
    public let message: String

    public init(message: String) {
        self.message = message
    }

    init(_ error: DecodingError) {
        func field(_ path: [any CodingKey]) -> String {
            path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().drop { $0 == "." }.description
        }
        switch error {
        case let .typeMismatch(type, context):
            let detail = context.debugDescription.hasPrefix("expected ")
                ? context.debugDescription
                : "expected \(Self.kind(type))"
            message = context.codingPath.isEmpty
                ? "the body must be a JSON object, \(detail)"
                : "field '\(field(context.codingPath))': \(detail)"
        case let .valueNotFound(type, context):
            message = "field '\(field(context.codingPath))': expected \(Self.kind(type)), got null"
        case let .keyNotFound(key, context):
            message = "missing field '\(field(context.codingPath + [key]))'"
        case let .dataCorrupted(context):
            message = context.codingPath.isEmpty
                ? "malformed JSON: \(context.underlyingError.map { "\($0)" } ?? context.debugDescription)"
                : "field '\(field(context.codingPath))': \(context.debugDescription)"
        @unknown default:
            message = "cannot decode the body: \(error)"
        }
    }

    private static func kind(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "a boolean"
        case is any BinaryInteger.Type: "an integer"
        case is any BinaryFloatingPoint.Type: "a number"
        default:
            String(describing: type).hasPrefix("Array") ? "a list" : "an object"
        }
    }

    public var description: String { message }
}
