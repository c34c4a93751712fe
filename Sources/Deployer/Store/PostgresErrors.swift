import PostgresNIO
import NIOSSL
import _ConnectionPoolModule

/// postgres-nio's errors as ``StoreError``s. PSQLError describes itself as a generic "database error" on
/// purpose (its full form can hold a query's bound values), so the message is built from the fields that say
/// what happened: the server's message and SQLSTATE, or what failed on the way to the server. No message
/// carries the password: the URL appears only as its password-less `location`.
enum PostgresErrors {
    static let uniqueViolation = "23505"

    static func storeError(_ error: any Error, location: String) -> any Error {
        switch error {
        case let error as StoreError:
            return error
        case is CancellationError:
            return error
        case let error as PostgresTransactionError:
            // BEGIN, a statement or COMMIT failed; the ROLLBACK that followed (or its failure) adds nothing the
            // caller can act on.
            guard let cause = error.closureError ?? error.commitError ?? error.beginError else {
                return StoreError.engine("a PostgreSQL transaction at \(location) failed")
            }
            return storeError(cause, location: location)
        case let error as PSQLError:
            return psqlError(error, location: location)
        case let error as ConnectionPoolError where error == .poolShutdown:
            return closed(location)
        default:
            return StoreError.engine("PostgreSQL at \(location): \(error)")
        }
    }

    private static func psqlError(_ error: PSQLError, location: String) -> any Error {
        switch error.code {
        case .server:
            let state = error.serverInfo?[.sqlState] ?? "?"
            let message = error.serverInfo?[.message] ?? "the server refused the statement"
            if state == uniqueViolation {
                return StoreError.uniqueViolation(error.serverInfo?[.constraintName] ?? message)
            }
            return StoreError.engine("\(message) (SQLSTATE \(state))")
        case .queryCancelled:
            return CancellationError()
        case .poolClosed:
            return closed(location)
        default:
            return StoreError.engine("PostgreSQL at \(location): \(connectionFailure(error))")
        }
    }

    /// Why a connection could not be made or was lost: the server's word if it refused us (a wrong
    /// password, a missing database), else the network's or TLS's.
    static func connectionFailure(_ error: PSQLError) -> String {
        if error.code == .server, let message = error.serverInfo?[.message] {
            return "\(message) (SQLSTATE \(error.serverInfo?[.sqlState] ?? "?"))"
        }
        let what = switch error.code {
        case .connectionError where error.underlying is NIOSSLError || error.underlying is BoringSSLError
            || error.underlying is NIOSSLExtraError:
            "the TLS handshake failed (the server's certificate must chain to the system's roots or to sslrootcert, and name the host)"
        case .connectionError: "the server cannot be reached"
        case .sslUnsupported: "the server does not offer TLS (connect with ?sslmode=disable only on a trusted network)"
        case .serverClosedConnection: "the server closed the connection"
        case .clientClosedConnection: "the connection was closed"
        case .unsupportedAuthMechanism: "the server asks for an authentication method postgres-nio does not speak"
        case .authMechanismRequiresPassword: "the server asks for a password and the URL has none"
        case .saslError: "SCRAM authentication failed"
        default: "\(error.code)"
        }
        return error.underlying.map { "\(what): \($0)" } ?? what
    }

    static func connectionFailure(_ error: any Error, location: String) -> StoreError {
        let reason = (error as? PSQLError).map(connectionFailure) ?? "\(error)"
        return .engine("cannot connect to PostgreSQL at \(location): \(reason)")
    }

    private static func closed(_ location: String) -> StoreError {
        .engine("the PostgreSQL store at \(location) is closed")
    }
}
