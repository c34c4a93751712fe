import Foundation

/// What `--database` / `ZSTACK_DEPLOY_DATABASE` names: a SQLite file path, or a PostgreSQL URL.
public enum StoreLocation {
    public static func isPostgres(_ location: String) -> Bool {
        location.hasPrefix("postgres://") || location.hasPrefix("postgresql://")
    }

    /// `location` as messages may show it: a URL without its password (one that does not parse, without
    /// anything before its host).
    static func shown(_ location: String) -> String {
        guard isPostgres(location) else { return location }
        if let url = try? PostgresURL(location) { return url.location }
        guard let scheme = location.range(of: "://"), let at = location.range(of: "@", options: .backwards) else { return location }
        return String(location[..<scheme.upperBound]) + "…@" + location[at.upperBound...]
    }

    static func backend(for location: String) async throws -> any SQLBackend {
        if isPostgres(location) { return try await PostgresBackend.connect(url: location) }
        return try SQLiteBackend(path: location)
    }
}
