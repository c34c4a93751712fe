import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// A request with any method, for checking what the agent does with requests the MN never sends.
public struct HTTPRequestProbe: Sendable {
    public var request: HTTPClientRequest

    public init(request: HTTPClientRequest) { self.request = request }

    public static func get(_ port: Int, _ path: String) -> HTTPRequestProbe {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = .GET
        return HTTPRequestProbe(request: request)
    }

    public mutating func send() async throws -> (Int, [UInt8]) {
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), Array(body.readableBytesView))
    }
}
