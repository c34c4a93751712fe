/// `md5sum`'s output, as the remote hosts print it (the local MD5s are HostSystem's `FileDigest`).
enum FileMD5 {
    /// Parses md5sum output lines (`<32 hex>  <path>`, `*` before the path in binary mode).
    static func parse(_ output: String) -> [String: String] {
        var sums: [String: String] = [:]
        for line in output.split(separator: "\n") {
            guard line.count > 34, line.prefix(32).allSatisfy(\.isHexDigit) else { continue }
            var path = line.dropFirst(33)
            if path.first == " " || path.first == "*" { path = path.dropFirst() }
            sums[String(path)] = String(line.prefix(32)).lowercased()
        }
        return sums
    }
}
