import HostSystem

#if canImport(Glibc)
import Glibc
#endif

/// A fresh directory under /tmp for one test body, removed afterwards whatever the body did.
enum TemporaryDirectory {
    static func with<T>(_ body: (String) async throws -> T) async throws -> T {
        var template = Array("/tmp/zstack-hostsystem-XXXXXX".utf8CString)
        let path = try template.withUnsafeMutableBufferPointer { buffer throws -> String in
            guard let made = mkdtemp(buffer.baseAddress!) else { throw FileSystemError("create", "/tmp/zstack-hostsystem-*") }
            return String(cString: made)
        }
        let result: Result<T, any Error>
        do { result = .success(try await body(path)) } catch { result = .failure(error) }
        _ = try? await ProcessRunner().run("rm", ["-rf", "--", path])
        return try result.get()
    }
}
