import Foundation

/// Typed reads of a row's columns. A column holding something else than its type (a store edited by hand, a
/// newer schema) is a `StoreError` naming the column, never a crash.
extension SQLRow {
    public func text(_ column: String) throws -> String { try required(column, optionalText) }

    public func optionalText(_ column: String) throws -> String? {
        switch self[column] {
        case .null: return nil
        case .text(let text): return text
        default: throw mismatch(column, "text")
        }
    }

    public func integer(_ column: String) throws -> Int64 { try required(column, optionalInteger) }

    public func optionalInteger(_ column: String) throws -> Int64? {
        switch self[column] {
        case .null: return nil
        case .integer(let integer): return integer
        default: throw mismatch(column, "an integer")
        }
    }

    public func int(_ column: String) throws -> Int { try required(column, optionalInt) }

    public func optionalInt(_ column: String) throws -> Int? {
        guard let integer = try optionalInteger(column) else { return nil }
        guard let int = Int(exactly: integer) else { throw mismatch(column, "an integer in range") }
        return int
    }

    public func bool(_ column: String) throws -> Bool {
        switch self[column] {
        case .boolean(let boolean): return boolean
        case .integer(let integer): return integer != 0
        case .null: throw missing(column)
        default: throw mismatch(column, "a boolean")
        }
    }

    public func date(_ column: String) throws -> Date { try required(column, optionalDate) }

    public func optionalDate(_ column: String) throws -> Date? {
        switch self[column] {
        case .null: return nil
        case .date(let date): return date
        case .text(let text):
            guard let date = SQLiteDate.parse(text) else { throw mismatch(column, "a date") }
            return date
        default: throw mismatch(column, "a date")
        }
    }

    public func blob(_ column: String) throws -> [UInt8] {
        switch self[column] {
        case .blob(let bytes): return bytes
        case .null: throw missing(column)
        default: throw mismatch(column, "bytes")
        }
    }

    /// A column holding one of `Value`'s raw values.
    public func value<Value: RawRepresentable>(_ column: String, as type: Value.Type = Value.self) throws -> Value
    where Value.RawValue == String {
        try required(column) { try optionalValue($0, as: type) }
    }

    public func optionalValue<Value: RawRepresentable>(_ column: String, as type: Value.Type = Value.self) throws -> Value?
    where Value.RawValue == String {
        guard let text = try optionalText(column) else { return nil }
        guard let value = Value(rawValue: text) else { throw mismatch(column, "one of \(Value.self)'s values") }
        return value
    }

    /// A column that must hold a value: read as optional, refused when null.
    private func required<Value>(_ column: String, _ read: (String) throws -> Value?) throws -> Value {
        guard let value = try read(column) else { throw missing(column) }
        return value
    }

    private func missing(_ column: String) -> StoreError {
        .engine("column \(column) is missing or null")
    }

    private func mismatch(_ column: String, _ expected: String) -> StoreError {
        .engine("column \(column) does not hold \(expected)")
    }
}

/// How GRDB stores a date in SQLite, and how `strftime('%Y-%m-%d %H:%M:%f', 'now')` writes one: UTC,
/// `yyyy-MM-dd HH:mm:ss` with optional milliseconds. Text in this form sorts in time order, which the
/// lease queries rely on.
enum SQLiteDate {
    static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count == 19 || bytes.count == 23,
              bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
              bytes[10] == UInt8(ascii: " ") || bytes[10] == UInt8(ascii: "T"),
              bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        var milliseconds = 0
        if bytes.count == 23 {
            guard bytes[19] == UInt8(ascii: "."), let fraction = number(20..<23) else { return nil }
            milliseconds = fraction
        }
        var time = tm()
        time.tm_year = Int32(year - 1900)
        time.tm_mon = Int32(month - 1)
        time.tm_mday = Int32(day)
        time.tm_hour = Int32(hour)
        time.tm_min = Int32(minute)
        time.tm_sec = Int32(second)
        let seconds = timegm(&time)
        return Date(timeIntervalSince1970: Double(seconds) + Double(milliseconds) / 1000)
    }
}
