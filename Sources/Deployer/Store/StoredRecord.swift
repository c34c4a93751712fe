import Foundation

/// A record kept in one table: its columns, how it is read from a row and what it binds. The statements
/// every record needs are made here, so the inventory writes only the queries that differ.
protocol StoredRecord: Sendable {
    static var table: String { get }
    /// Every stored column, in the order of `values`.
    static var columns: [String] { get }
    /// The column the engine assigns on insert (`id`), left out of inserts and returned by them.
    static var generatedKey: String? { get }
    init(row: SQLRow) throws
    var values: [SQLValue] { get }
}

extension StoredRecord {
    static var generatedKey: String? { nil }

    /// `SELECT <every column> FROM <table>`, to which a query adds its WHERE and ORDER BY.
    static var selectAll: String {
        "SELECT \(columns.map(SQLDialect.identifier).joined(separator: ", ")) FROM \(table)"
    }

    private var inserted: (columns: [String], values: [SQLValue]) {
        let pairs = zip(Self.columns, values).filter { $0.0 != Self.generatedKey }
        return (pairs.map(\.0), pairs.map(\.1))
    }

    /// An INSERT, returning the generated key when the table has one.
    var insert: SQLStatement {
        var statement = plainInsert
        if let key = Self.generatedKey { statement.sql += " RETURNING \(key)" }
        return statement
    }

    private var plainInsert: SQLStatement {
        let (columns, values) = inserted
        return SQLStatement("INSERT INTO \(Self.table) (\(columns.map(SQLDialect.identifier).joined(separator: ", "))) "
                            + "VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ", ")))", values)
    }

    /// An INSERT that replaces the other columns of the row with the same `key`.
    func upsert(key: [String]) -> SQLStatement {
        var statement = plainInsert
        let updates = Self.columns.filter { !key.contains($0) && $0 != Self.generatedKey }
            .map { "\(SQLDialect.identifier($0)) = excluded.\(SQLDialect.identifier($0))" }
        statement.sql += " ON CONFLICT (\(key.joined(separator: ", "))) DO UPDATE SET \(updates.joined(separator: ", "))"
        return statement
    }

    static func all(_ rows: [SQLRow]) throws -> [Self] {
        try rows.map(Self.init(row:))
    }
}

extension SQLValue {
    init(_ text: String?) { self = text.map(SQLValue.text) ?? .null }
    init(_ integer: Int?) { self = integer.map { .integer(Int64($0)) } ?? .null }
    init(_ integer: Int64?) { self = integer.map(SQLValue.integer) ?? .null }
    init(_ date: Date?) { self = date.map(SQLValue.date) ?? .null }
    init<Value: RawRepresentable>(_ value: Value?) where Value.RawValue == String { self = value.map { .text($0.rawValue) } ?? .null }
}
