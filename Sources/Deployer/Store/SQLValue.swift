import Foundation

/// A value bound to, or read from, a statement. Dates are bound as `.date`: the SQLite backend stores
/// them as GRDB does (`yyyy-MM-dd HH:mm:ss.SSS`, UTC, text that sorts in time order), PostgreSQL as
/// `timestamptz`. Booleans are SQLite integers and PostgreSQL booleans; ``SQLRow`` reads either.
public enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case text(String)
    case boolean(Bool)
    case date(Date)
    case blob([UInt8])
}

/// One statement with `?` placeholders, bound in order; the PostgreSQL backend numbers them (`$1`, …).
public struct SQLStatement: Sendable, Equatable {
    public var sql: String
    public var arguments: [SQLValue]

    public init(_ sql: String, _ arguments: [SQLValue] = []) {
        self.sql = sql
        self.arguments = arguments
    }
}

/// A result row, its columns by name (the inventory's column names are unique within every query).
/// Names are compared in lower case: PostgreSQL folds unquoted identifiers (`hostUuid` comes back as
/// `hostuuid`), SQLite keeps them as declared.
public struct SQLRow: Sendable, Equatable {
    public private(set) var values: [String: SQLValue]

    public init(_ values: [String: SQLValue]) {
        self.values = Dictionary(values.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    public subscript(column: String) -> SQLValue {
        values[column.lowercased()] ?? .null
    }
}
