import Foundation
import NIOCore
import PostgresNIO

/// ``SQLValue``s to and from PostgreSQL's binary wire values: an integer is an int8, a date a timestamptz.
enum PostgresValues {
    static func bindings(_ values: [SQLValue]) -> PostgresBindings {
        var bindings = PostgresBindings(capacity: values.count)
        for value in values {
            switch value {
            case .null: bindings.appendNull()
            case .integer(let integer): bindings.append(integer)
            case .text(let text): bindings.append(text)
            case .boolean(let boolean): bindings.append(boolean)
            case .date(let date): bindings.append(Timestamp(date))
            case .blob(let bytes): bindings.append(ByteBuffer(bytes: bytes))
            }
        }
        return bindings
    }

    static func row(_ row: PostgresRow) throws -> SQLRow {
        var values: [String: SQLValue] = [:]
        for cell in row {
            values[cell.columnName] = try value(cell)
        }
        return SQLRow(values)
    }

    /// The type decides before the value does: a column of a type the store does not read is an error even in
    /// a row where it is NULL, so a query's mistake shows on its first run.
    private static func value(_ cell: PostgresCell) throws -> SQLValue {
        switch cell.dataType {
        case .int2, .int4, .int8, .text, .varchar, .name, .bool, .timestamptz, .timestamp, .bytea:
            break
        case .void:
            // What a function called for its effect returns (`SELECT pg_advisory_xact_lock(?)`).
            return .null
        default:
            throw StoreError.engine("column \(cell.columnName) has PostgreSQL type \(cell.dataType) (oid \(cell.dataType.rawValue)), "
                                    + "which the store does not read: integers, text, booleans, timestamps and bytea only")
        }
        guard let bytes = cell.bytes else { return .null }
        do {
            switch cell.dataType {
            case .int2, .int4, .int8: return .integer(try cell.decode(Int64.self))
            case .bool: return .boolean(try cell.decode(Bool.self))
            case .timestamptz, .timestamp: return .date(try cell.decode(Timestamp.self).date)
            case .bytea: return .blob(Array(bytes.readableBytesView))
            default: return .text(try cell.decode(String.self))
            }
        } catch let error as PostgresDecodingError {
            throw StoreError.engine("column \(cell.columnName) of type \(cell.dataType) cannot be read: \(error.code)")
        }
    }
}

/// A timestamptz to the microsecond, rounded rather than truncated: postgres-nio's own `Date` encoding cuts
/// the fraction, and binary floating point holds .123 s as .12299999…, which would lose a millisecond.
private struct Timestamp: PostgresNonThrowingEncodable, PostgresDecodable {
    /// PostgreSQL counts from 2000-01-01 00:00:00 UTC.
    private static let epoch = Date(timeIntervalSince1970: 946_684_800)

    var date: Date

    init(_ date: Date) {
        self.date = date
    }

    static var psqlType: PostgresDataType { .timestamptz }
    static var psqlFormat: PostgresFormat { .binary }

    func encode<JSONEncoder: PostgresJSONEncoder>(into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        buffer.writeInteger(Int64((date.timeIntervalSince(Self.epoch) * 1_000_000).rounded()))
    }

    init<JSONDecoder: PostgresJSONDecoder>(
        from buffer: inout ByteBuffer, type: PostgresDataType, format: PostgresFormat, context: PostgresDecodingContext<JSONDecoder>
    ) throws {
        guard format == .binary, type == .timestamptz || type == .timestamp,
              buffer.readableBytes == 8, let microseconds = buffer.readInteger(as: Int64.self) else {
            throw PostgresDecodingError.Code.failure
        }
        date = Date(timeInterval: Double(microseconds) / 1_000_000, since: Self.epoch)
    }
}
