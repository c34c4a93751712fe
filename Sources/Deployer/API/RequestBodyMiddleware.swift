import Foundation
import HTTPTypes
import OpenAPIRuntime

/// Request bodies as the document has them, where the generated decoding is more lenient than it.
///
/// An empty body is no body. The Hummingbird transport hands the generated server a body even when the
/// request had none, which it would then fail to decode as JSON; so `POST /v1/upgrade` with an empty body
/// (optional in the document) takes the settings, and a required body that is empty is refused as missing
/// rather than as malformed JSON.
///
/// A JSON `null` is refused. The generated decoding takes a `null` for an optional field as the field left
/// out, but no schema in the document allows `null`: `{"params":null,"batchSize":5}` must not be read as
/// something the caller did not write.
///
/// `BodyLimitMiddleware` has already read the body into memory and bounded it, so reading it again here
/// costs a copy.
struct RequestBodyMiddleware: ServerMiddleware {
    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        guard let body else { return try await next(request, nil, metadata) }
        let bytes = try await [UInt8](collecting: body, upTo: .max)
        if bytes.isEmpty { return try await next(request, nil, metadata) }
        // What is not JSON is left to the generated decoding, which says where it fails.
        if let value = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]),
           let path = Self.nullPath(in: value, at: "") {
            throw APIError(.badRequest, "malformed request: field '\(path)' is null; leave out a field that has no value")
        }
        return try await next(request, HTTPBody(bytes), metadata)
    }

    /// The dotted path of the first `null` in a decoded JSON value, or nil when it holds none.
    private static func nullPath(in value: Any, at path: String) -> String? {
        switch value {
        case is NSNull:
            return path
        case let object as [String: Any]:
            return object.sorted { $0.key < $1.key }.lazy
                .compactMap { nullPath(in: $0.value, at: path.isEmpty ? $0.key : "\(path).\($0.key)") }.first
        case let array as [Any]:
            return array.enumerated().lazy.compactMap { nullPath(in: $0.element, at: "\(path)[\($0.offset)]") }.first
        default:
            return nil
        }
    }
}
