#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Files {
    /// The piece size of `forEachChunk`: big enough for few system calls, small enough for constant memory.
    static let chunkSize = 1 << 20

    /// Reads the file at `path` from start to end in pieces of at most `chunkSize` bytes and hands each to
    /// `body`; yields between pieces, so that reading a large file neither starves other tasks nor outlives
    /// its task's cancellation (a local read never suspends by itself).
    /// - Throws: `FileSystemError` when the file cannot be opened or read; `CancellationError` when the task
    ///   is cancelled; whatever `body` throws.
    public static func forEachChunk(ofFileAt path: String, _ body: (UnsafeRawBufferPointer) async throws -> Void)
        async throws
    {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileSystemError("read", path) }
        defer { close(fd) }
        // Not an array: `body` is async, and an array's bytes may only be lent inside a synchronous closure.
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 1)
        defer { chunk.deallocate() }
        while true {
            try Task.checkCancellation()
            let count = try readSome(fd, into: chunk, path)
            if count == 0 { return }
            try await body(UnsafeRawBufferPointer(rebasing: chunk[..<count]))
            await Task.yield()
        }
    }
}
