import Foundation
import Hummingbird

/// Who may call the API, checked before any route runs. A local user or a web page must not be able to
/// add hosts or change settings: every request carries the bearer token (`APIToken`); the `Host` header
/// must name this deployer, so a page on a rebound DNS name cannot reach it through the browser; and a
/// request with a body must say it is JSON, which a cross-site form (text/plain, form-urlencoded) cannot.
public struct APIAccess: Sendable {
    public let token: APIToken
    /// Host names (lowercased, without port) a request's `Host` header may hold.
    public let hostNames: Set<String>

    /// - Parameters:
    ///   - listenAddress: the address the API listens on; with `localhost`, `127.0.0.1` and `[::1]`, the
    ///     names a `Host` header may always hold.
    ///   - allowedHosts: further names (`serve --allowed-host`), with or without a port.
    /// - Throws: `DeployerError` `.invalidInput` for an allowed host that is not a host name or address.
    public init(token: APIToken, listenAddress: String, allowedHosts: [String] = []) throws {
        self.token = token
        var names: Set<String> = ["localhost", "127.0.0.1", "[::1]"]
        // A bare IPv6 listen address appears in Host headers in brackets.
        let listen = listenAddress.contains(":") && !listenAddress.hasPrefix("[") ? "[\(listenAddress)]" : listenAddress
        for name in [listen] + allowedHosts {
            guard let parsed = Self.hostName(name) else {
                throw DeployerError(.invalidInput, "allowed host \(name.debugDescription) is not a host name or address")
            }
            names.insert(parsed)
        }
        hostNames = names
    }

    /// Throws the API error a request gets when it may not go on.
    func check(_ request: Request) throws {
        try checkHost(request)
        try checkToken(request)
        try checkContentType(request)
    }

    private func checkHost(_ request: Request) throws {
        // HTTP/1's first Host header is the request's authority; a second one is left among the fields.
        guard let authority = request.head.authority, !authority.isEmpty else {
            throw APIError(.badRequest, "the Host header is missing")
        }
        if request.headers[values: .init("Host")!].count > 0 {
            throw APIError(.badRequest, "more than one Host header")
        }
        guard let name = Self.hostName(authority), hostNames.contains(name) else {
            throw APIError(Self.misdirected, "Host \(authority.debugDescription) is not this deployer's; allowed: "
                + "\(hostNames.sorted().joined(separator: ", ")) (add names with `serve --allowed-host NAME`)")
        }
    }

    private func checkToken(_ request: Request) throws {
        let values = request.headers[values: .authorization]
        guard let value = values.first else {
            throw Self.unauthorized("missing Authorization header: send 'Authorization: Bearer <token>' with the "
                + "token from the file `zstack-deploy api-token` names")
        }
        guard values.count == 1 else { throw Self.unauthorized("more than one Authorization header") }
        let parts = value.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw Self.unauthorized("the Authorization header must be 'Bearer <token>'")
        }
        guard token.matches(parts[1].trimmingCharacters(in: .whitespaces)) else {
            throw Self.unauthorized("wrong API token in the Authorization header")
        }
    }

    private func checkContentType(_ request: Request) throws {
        guard [.post, .put, .patch].contains(request.method) else { return }
        let value = request.headers[.contentType] ?? ""
        let mediaType = value.split(separator: ";", maxSplits: 1).first.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }
        guard mediaType == "application/json" else {
            throw APIError(.unsupportedMediaType, value.isEmpty
                ? "a \(request.method) request needs 'Content-Type: application/json'"
                : "Content-Type \(value.debugDescription) is not supported: send application/json")
        }
    }

    private static let misdirected = HTTPResponse.Status(code: 421, reasonPhrase: "Misdirected Request")

    private static func unauthorized(_ message: String) -> APIError {
        APIError(.unauthorized, message, headers: [.wwwAuthenticate: "Bearer"])
    }

    /// The host part of a `Host` header value or an allowed-host name, lowercased, IPv6 in brackets; nil when
    /// it is not `name`, `name:port`, `[v6]` or `[v6]:port`.
    static func hostName(_ value: String) -> String? {
        var host = Substring(value)
        var port: Substring?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return nil }
            let rest = host[host.index(after: close)...]
            if !rest.isEmpty {
                guard rest.first == ":" else { return nil }
                port = rest.dropFirst()
            }
            host = host[...close]
        } else if let colon = host.firstIndex(of: ":") {
            port = host[host.index(after: colon)...]
            host = host[..<colon]
        }
        if let port, port.isEmpty || port.count > 5 || !port.allSatisfy(\.isASCII) || !port.allSatisfy(\.isNumber) {
            return nil
        }
        if host.hasSuffix(".") && !host.hasPrefix("[") { host = host.dropLast() }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_[]:")
        guard !host.isEmpty, host.count <= 255, host.allSatisfy(allowed.contains) else { return nil }
        return host.lowercased()
    }
}

/// Runs `APIAccess.check` before every route.
struct APIAccessMiddleware<Context: RequestContext>: RouterMiddleware {
    let access: APIAccess

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        try access.check(request)
        return try await next(request, context)
    }
}
