import AsyncHTTPClient
import NIOCore
import NIOPosix

extension HTTPClient {
    /// The client agents use to reach the MN (callbacks, events). Unlike `.shared` it fails a request as soon
    /// as a connection cannot be made, so `CallbackSender` owns the retry policy (ZStack's 60 s window, 404
    /// stops it) and counts the retries. Process-wide and never shut down, like `.shared`.
    static let toManagementNode: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(5)
        return HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
    }()
}
