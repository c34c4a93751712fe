import Foundation
import Hummingbird
import NIOCore
import OpenAPIRuntime

/// An API failure with the HTTP status it maps to; the body is ZStack's `{"error":{"code","description"}}`,
/// encoded from the document's `ErrorReply` so every error has the shape the document gives it.
struct APIError: Error, HTTPResponseError {
    let status: HTTPResponse.Status
    let message: String
    /// Extra response headers (`WWW-Authenticate` on a 401).
    let headers: HTTPFields

    init(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.message = message
        self.headers = headers
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let reply = Components.Schemas.ErrorReply(error: .init(code: "\(status.code)", description: message))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers,
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: try encoder.encode(reply))))
    }
}

/// Turns every failure under it into an `APIError`, so each one has ZStack's body: the deployer's errors by
/// kind; the generated server's (`ServerError`, wrapping what a handler threw or what could not be decoded
/// from the request) by what they wrap; Hummingbird's own (no such route) by status.
struct DeployerErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            throw Self.apiError(error)
        }
    }

    static func apiError(_ error: any Error) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as DeployerError:
            let status: HTTPResponse.Status = switch error.kind {
            case .invalidInput: .badRequest
            case .notFound: .notFound
            case .busy: .conflict
            case .badPackages: .unprocessableContent
            case .environment: .internalServerError
            }
            return APIError(status, error.message)
        case let error as ServerError:
            if error.underlyingError is APIError || error.underlyingError is DeployerError {
                return apiError(error.underlyingError)
            }
            // The runtime gives a 4xx for what the request got wrong (a body, parameter or Accept header it
            // cannot read) and a 5xx for a failure of ours; only the first may name the request's fault.
            guard (400..<500).contains(error.httpStatus.code) else {
                return APIError(.internalServerError,
                                "\(error.operationID) failed: \(error.causeDescription) \(error.underlyingError)")
            }
            if let decoding = error.underlyingError as? DecodingError {
                return APIError(error.httpStatus, "malformed request: \(DecodingErrorText.describe(decoding))")
            }
            return APIError(error.httpStatus, "malformed request: \(error.causeDescription)")
        case let error as HTTPError:
            return APIError(error.status, error.body ?? error.status.reasonPhrase, headers: error.headers)
        default:
            return APIError(.internalServerError, "\(error)")
        }
    }
}

/// Names the field a decoding error is about, in words.
enum DecodingErrorText {
    static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.map(\.stringValue).joined(separator: ".")
        }
        switch error {
        case .typeMismatch(let type, let context): return "field '\(path(context.codingPath))': expected \(type)"
        case .valueNotFound(_, let context) where context.underlyingError != nil:
            // The generated oneOf decoding (`params`: a host or a list of hosts) fails so, with each form's error.
            return "field '\(path(context.codingPath))': \(context.debugDescription) \(context.underlyingError!)"
        case .valueNotFound(_, let context): return "field '\(path(context.codingPath))' is null"
        case .keyNotFound(let key, let context):
            return "missing field '\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))'"
        case .dataCorrupted(let context) where context.codingPath.isEmpty: return "not valid JSON: \(context.debugDescription)"
        case .dataCorrupted(let context): return "field '\(path(context.codingPath))': \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
