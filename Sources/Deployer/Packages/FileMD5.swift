import Crypto
import Foundation

enum FileMD5 {
    /// The MD5 of a file as md5sum prints it (lowercase hex), read in 1 MiB pieces.
    static func of(_ path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw DeployerError(.badPackages, "cannot read \(path)")
        }
        defer { try? handle.close() }
        var hash = Insecure.MD5()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            hash.update(data: chunk)
        }
        return hash.finalize().map { String(format: "%02x", $0) }.joined()
    }

    static func of(text: String) -> String {
        Insecure.MD5.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

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
