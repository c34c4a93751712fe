#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Numbers and times written the way C (and so Python, whose values the MN compares) writes them: printf's
/// `%.Nf` and strftime. Foundation's `String(format:)` and `DateFormatter` are not in FoundationEssentials,
/// and linking them would bring the whole of Foundation and ICU into the agents.
public enum CFormatting {
    /// `value` with exactly `fractionDigits` decimals, as `printf("%.Nf")` rounds it (`2.675` → `"2.67"`:
    /// the binary value, not the decimal one, is rounded), with `.` as the separator whatever the locale.
    public static func decimal(_ value: Double, fractionDigits: Int) -> String {
        let format = "%.\(max(0, fractionDigits))f"
        // The C locale is the process's: Swift programs never call setlocale, so the separator is `.`.
        let length = withVaList([value]) { vsnprintf(nil, 0, format, $0) }
        guard length > 0 else { return "" }
        var buffer = [CChar](repeating: 0, count: Int(length) + 1)
        _ = buffer.withUnsafeMutableBufferPointer { pointer in
            withVaList([value]) { vsnprintf(pointer.baseAddress, pointer.count, format, $0) }
        }
        return String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The time `secondsSinceEpoch` (its fraction dropped) in the host's time zone (`TZ`, else
    /// /etc/localtime), written with strftime's `format`: `"%Y-%m-%d %H:%M:%S"` is `uptime -s`.
    public static func localTime(_ secondsSinceEpoch: Double, format: String) -> String {
        tzset()
        var seconds = time_t(secondsSinceEpoch.rounded(.down))
        var fields = tm()
        guard localtime_r(&seconds, &fields) != nil else { return "" }
        var buffer = [CChar](repeating: 0, count: 256)
        let length = strftime(&buffer, buffer.count, format, &fields)
        return String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
