/// The vocabulary the inventory's schema is written in once, rendered to each engine's DDL.
struct ColumnDefinition: Sendable {
    enum Kind: Sendable {
        case text, integer, boolean, datetime, blob
        /// The table's own id, assigned by the engine.
        case autoIncrementedKey
    }

    var name: String
    var kind: Kind
    var notNull = false
    var references: String?

    static func text(_ name: String, notNull: Bool = false) -> ColumnDefinition { .init(name: name, kind: .text, notNull: notNull) }
    static func integer(_ name: String, notNull: Bool = false) -> ColumnDefinition { .init(name: name, kind: .integer, notNull: notNull) }
    static func boolean(_ name: String, notNull: Bool = false) -> ColumnDefinition { .init(name: name, kind: .boolean, notNull: notNull) }
    static func datetime(_ name: String, notNull: Bool = false) -> ColumnDefinition { .init(name: name, kind: .datetime, notNull: notNull) }
    static func blob(_ name: String, notNull: Bool = false) -> ColumnDefinition { .init(name: name, kind: .blob, notNull: notNull) }
    static func id(_ name: String) -> ColumnDefinition { .init(name: name, kind: .autoIncrementedKey, notNull: true) }

    /// A column whose rows go when the row it names in `table` is deleted.
    func references(_ table: String) -> ColumnDefinition {
        var column = self
        column.references = table
        return column
    }
}

struct TableDefinition: Sendable {
    var name: String
    var columns: [ColumnDefinition]
    /// Empty when a column is an `.id`.
    var primaryKey: [String] = []
    var unique: [[String]] = []
}

enum SchemaStep: Sendable {
    case createTable(TableDefinition)
    case addColumn(table: String, ColumnDefinition)
    /// `where` is a condition both engines accept (a partial index).
    case createIndex(name: String, table: String, columns: [String], unique: Bool, where: String?)
    /// SQL both engines accept as written.
    case sql(String)
}

struct SchemaMigration: Sendable {
    var identifier: String
    var steps: [SchemaStep]
}

extension SQLDialect {
    /// Where applied migrations are recorded. SQLite keeps GRDB's table, so files made before the store
    /// had two engines (migrated by GRDB's migrator) carry their history over.
    var migrationsTable: String {
        switch self {
        case .sqlite: "grdb_migrations"
        case .postgres: "schema_migrations"
        }
    }

    /// The current time by the engine's clock: every instance compares lease times with one clock, the
    /// database's, not each machine's own.
    var now: String {
        switch self {
        case .sqlite: "strftime('%Y-%m-%d %H:%M:%f', 'now')"
        case .postgres: "now()"
        }
    }

    /// The engine's time `?` seconds from now (the argument bound as an integer).
    var nowPlusSeconds: String {
        switch self {
        case .sqlite: "strftime('%Y-%m-%d %H:%M:%f', 'now', ? || ' seconds')"
        case .postgres: "now() + ?::double precision * interval '1 second'"
        }
    }

    func render(_ step: SchemaStep) -> [String] {
        switch step {
        case .createTable(let table):
            var parts = table.columns.map(render)
            if !table.primaryKey.isEmpty { parts.append("PRIMARY KEY (\(table.primaryKey.map(Self.identifier).joined(separator: ", ")))") }
            for columns in table.unique { parts.append("UNIQUE (\(columns.map(Self.identifier).joined(separator: ", ")))") }
            return ["CREATE TABLE \(table.name) (\(parts.joined(separator: ", ")))"]
        case .addColumn(let table, let column):
            return ["ALTER TABLE \(table) ADD COLUMN \(render(column))"]
        case .createIndex(let name, let table, let columns, let unique, let condition):
            let head = unique ? "CREATE UNIQUE INDEX" : "CREATE INDEX"
            let tail = condition.map { " WHERE \($0)" } ?? ""
            return ["\(head) \(name) ON \(table) (\(columns.map(Self.identifier).joined(separator: ", ")))\(tail)"]
        case .sql(let sql):
            return [sql]
        }
    }

    private func render(_ column: ColumnDefinition) -> String {
        var text = "\(Self.identifier(column.name)) \(type(column.kind))"
        if column.notNull && column.kind != .autoIncrementedKey { text += " NOT NULL" }
        if let table = column.references { text += " REFERENCES \(table) ON DELETE CASCADE" }
        return text
    }

    private func type(_ kind: ColumnDefinition.Kind) -> String {
        switch (self, kind) {
        case (.sqlite, .text), (.postgres, .text): "TEXT"
        case (.sqlite, .integer): "INTEGER"
        case (.postgres, .integer): "BIGINT"
        case (_, .boolean): "BOOLEAN"
        case (.sqlite, .datetime): "DATETIME"
        case (.postgres, .datetime): "TIMESTAMPTZ"
        case (.sqlite, .blob): "BLOB"
        case (.postgres, .blob): "BYTEA"
        case (.sqlite, .autoIncrementedKey): "INTEGER PRIMARY KEY AUTOINCREMENT"
        case (.postgres, .autoIncrementedKey): "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
        }
    }

    /// Column names are written unquoted (PostgreSQL folds them to lower case, and so do the queries), but
    /// for the one that is a reserved word there.
    static func identifier(_ name: String) -> String {
        name == "user" ? "\"user\"" : name
    }
}
