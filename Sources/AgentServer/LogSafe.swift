/// Text from a peer made fit for a log line or an error reply: control characters (newlines that would
/// forge log lines, NULs, escapes) shown escaped, and the whole cut to a bound so a megabyte-long field
/// cannot flood the log.
public enum LogSafe {
    public static func text(_ text: String, limit: Int = 4096) -> String {
        var result = ""
        var count = 0
        for scalar in text.unicodeScalars {
            guard count < limit else {
                result += "…(\(text.utf8.count) bytes in all)"
                break
            }
            if scalar.value < 0x20 || scalar.value == 0x7f {
                switch scalar {
                case "\n": result += "\\n"
                case "\r": result += "\\r"
                case "\t": result += "\\t"
                default: result += "\\u{\(String(scalar.value, radix: 16))}"
                }
            } else {
                result.unicodeScalars.append(scalar)
            }
            count += 1
        }
        return result
    }
}
