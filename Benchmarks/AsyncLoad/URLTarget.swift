import ArgumentParser

/// `http://host:port/path`: all a load run needs of a URL (plain HTTP on loopback, an IPv4 host).
struct URLTarget: ExpressibleByArgument, Sendable {
    let host: String
    let port: Int
    let path: String

    init?(argument: String) {
        guard argument.hasPrefix("http://") else { return nil }
        let rest = argument.dropFirst("http://".count)
        let authority = rest.prefix { $0 != "/" }
        let path = rest.dropFirst(authority.count)
        let parts = authority.split(separator: ":")
        guard parts.count == 2, let port = Int(parts[1]) else { return nil }
        self.host = String(parts[0])
        self.port = port
        self.path = path.isEmpty ? "/" : String(path)
    }
}

/// `host:port`, where a receiver listens.
struct ListenAddress: ExpressibleByArgument, Sendable {
    let host: String
    let port: Int

    init?(argument: String) {
        let parts = argument.split(separator: ":")
        guard parts.count == 2, let port = Int(parts[1]) else { return nil }
        host = String(parts[0])
        self.port = port
    }
}
