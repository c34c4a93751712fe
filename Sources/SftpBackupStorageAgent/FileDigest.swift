import Crypto
import Foundation

/// Hex MD5 of a file, read in chunks so images of any size hash in constant memory.
func md5Hex(ofFileAt path: String) async throws -> String {
    guard let handle = FileHandle(forReadingAtPath: path) else {
        throw SftpBackupStorageError("cannot read \(path): no such file or not readable")
    }
    defer { try? handle.close() }
    var md5 = Insecure.MD5()
    while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
        try Task.checkCancellation()
        md5.update(data: chunk)
        await Task.yield()
    }
    return md5.finalize().map { String(format: "%02x", $0) }.joined()
}
