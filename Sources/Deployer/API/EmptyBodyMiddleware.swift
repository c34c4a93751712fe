import HTTPTypes
import OpenAPIRuntime

/// An empty request body is no body. The Hummingbird transport hands the generated server a body even when
/// the request had none, which it would then fail to decode as JSON; so `POST /v1/upgrade` with an empty
/// body (optional in the document) takes the settings, and a required body that is empty is refused as
/// missing rather than as malformed JSON. `BodyLimitMiddleware` has already read the body into memory and
/// bounded it, so reading it again here costs a copy.
struct EmptyBodyMiddleware: ServerMiddleware {
    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        guard let body else { return try await next(request, nil, metadata) }
        let bytes = try await [UInt8](collecting: body, upTo: .max)
        return try await next(request, bytes.isEmpty ? nil : HTTPBody(bytes), metadata)
    }
}
