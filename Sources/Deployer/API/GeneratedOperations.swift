import HTTPTypes
import Hummingbird
import OpenAPIHummingbird
import OpenAPIRuntime

/// The generated server's operations, collected before they are added to a router: Hummingbird applies a
/// router's middlewares to the routes added after them, and `MethodNotAllowedMiddleware` must know every
/// operation before it is added.
final class GeneratedOperations: ServerTransport {
    typealias Handler = @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)

    private(set) var operations: [(handler: Handler, method: HTTPRequest.Method, path: String)] = []

    func register(_ handler: @escaping Handler, method: HTTPRequest.Method, path: String) {
        operations.append((handler, method, path))
    }

    /// Each path template (`/v1/hosts/{uuid}`) with the methods it takes.
    var methodsByPath: [String: Set<HTTPRequest.Method>] {
        operations.reduce(into: [:]) { $0[$1.path, default: []].insert($1.method) }
    }

    func add<Context: RequestContext>(to router: Router<Context>) {
        for operation in operations { router.register(operation.handler, method: operation.method, path: operation.path) }
    }
}

/// A request for a path the document has, with a method it does not give that path, is a 405 that names
/// the methods in `Allow` (RFC 9110), rather than the 404 Hummingbird gives any request it has no route for.
/// Before the access checks: which methods a path takes is no secret (the document is public), and a PUT
/// without a body must hear that PUT is wrong, not that its body lacks a content type.
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    private let paths: [(segments: [Substring], allowed: String, methods: Set<HTTPRequest.Method>)]

    init(methodsByPath: [String: Set<HTTPRequest.Method>]) {
        paths = methodsByPath.map { path, methods in
            (path.split(separator: "/"), methods.map(\.rawValue).sorted().joined(separator: ", "), methods)
        }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let segments = request.uri.path.split(separator: "/")
        guard let path = paths.first(where: { Self.matches($0.segments, segments) }),
              !path.methods.contains(request.method) else {
            return try await next(request, context)
        }
        throw APIError(.methodNotAllowed, "\(request.method) is not a method of \(request.uri.path); it takes \(path.allowed)",
                       headers: [.allow: path.allowed])
    }

    /// Whether a request path's segments fill a template's, a `{parameter}` standing for any one segment.
    private static func matches(_ template: [Substring], _ segments: [Substring]) -> Bool {
        template.count == segments.count && zip(template, segments).allSatisfy { pattern, segment in
            pattern.hasPrefix("{") && pattern.hasSuffix("}") || pattern == segment
        }
    }
}
