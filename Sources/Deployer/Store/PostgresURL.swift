import Foundation
import NIOSSL
import PostgresNIO

/// Where a PostgreSQL store is and how to reach it: `postgres://user:password@host:port/database` (or
/// `postgresql://`), with optional `sslmode` and `sslrootcert` parameters spelled as libpq spells them.
///
/// TLS is verified or absent, never trusted blindly: `sslmode=disable` connects without TLS (a server on
/// loopback or a private link); `verify-full`, the default, and `require` both demand TLS and check the
/// server's certificate chain against the system's trust roots (or the PEM file `sslrootcert` names) and its
/// name against the host (or, for an IP address, the address). libpq's `require` skips that check; taking the
/// word to mean "encrypted to anyone" would be the "trust all" this store refuses, so it means verified TLS
/// here too. `prefer` and `allow`, which fall back to plain text without saying so, and `verify-ca`, which
/// ignores the name, are refused.
struct PostgresURL: Sendable, Equatable {
    enum TLSMode: String, Sendable {
        case disable
        case require
        case verifyFull = "verify-full"
    }

    var host: String
    var port: Int
    var username: String
    var password: String?
    var database: String
    var tlsMode: TLSMode
    var rootCertificatePath: String?
    /// The URL without its password, for messages.
    var location: String

    init(_ text: String) throws {
        func malformed(_ reason: String) -> StoreError {
            // Never the URL itself: it holds the password.
            .engine("malformed PostgreSQL URL: \(reason) (expected postgres://user:password@host:port/database)")
        }
        guard var components = URLComponents(string: text) else {
            throw malformed("it is not a URL (a port must be a number; percent-encode any of :@/?#[] in the user or password)")
        }
        guard let scheme = components.scheme?.lowercased(), scheme == "postgres" || scheme == "postgresql" else {
            throw malformed("the scheme must be postgres or postgresql, not \(components.scheme.map { "'\($0)'" } ?? "missing")")
        }
        guard let host = components.host, !host.isEmpty else { throw malformed("it names no host") }
        guard let username = components.user?.removingPercentEncoding, !username.isEmpty else {
            throw malformed("it names no user")
        }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else { throw malformed("port \(port) is out of range") }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        guard let database = path.removingPercentEncoding, !database.isEmpty else {
            throw malformed("it names no database (the path after the port)")
        }
        guard !database.contains("/") else { throw malformed("the database name '\(database)' contains '/'") }

        var tlsMode = TLSMode.verifyFull
        var rootCertificatePath: String?
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let value = item.value, let mode = TLSMode(rawValue: value) else {
                    throw malformed("sslmode '\(item.value ?? "")' is not one of disable, require, verify-full")
                }
                tlsMode = mode
            case "sslrootcert":
                guard let value = item.value, !value.isEmpty else { throw malformed("sslrootcert names no file") }
                rootCertificatePath = value
            default:
                throw malformed("unknown parameter '\(item.name)' (known: sslmode, sslrootcert)")
            }
        }
        if rootCertificatePath != nil && tlsMode == .disable {
            throw malformed("sslrootcert is given but sslmode=disable turns TLS off")
        }

        self.host = host
        self.port = port
        self.username = username
        self.password = components.password?.removingPercentEncoding
        self.database = database
        self.tlsMode = tlsMode
        self.rootCertificatePath = rootCertificatePath
        components.password = nil
        location = components.string ?? "\(scheme)://\(username)@\(host):\(port)/\(database)"
    }

    /// NIOSSL's client defaults (full verification, the system's roots), with the roots from `sslrootcert`.
    private var tlsConfiguration: TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .fullVerification
        if let rootCertificatePath { configuration.trustRoots = .file(rootCertificatePath) }
        return configuration
    }

    var clientConfiguration: PostgresClient.Configuration {
        PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database,
            tls: tlsMode == .disable ? .disable : .require(tlsConfiguration))
    }

    /// The same server and credentials for one connection outside the pool (see ``PostgresBackend``).
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        if tlsMode == .disable {
            tls = .disable
        } else {
            do {
                tls = .require(try NIOSSLContext(configuration: tlsConfiguration))
            } catch {
                throw StoreError.engine("cannot set up TLS for PostgreSQL at \(location): \(error)")
            }
        }
        return PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls)
    }
}
