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
        var reader = try ChunkReader(path)
        while true {
            try Task.checkCancellation()
            guard let chunk = try reader.next() else { return }
            try await body(chunk)
            await Task.yield()
        }
    }

    /// `forEachChunk` on the calling thread, for a thread of its own (`DedicatedThread`): no task to yield
    /// to or cancel, and a task must not block its pool thread on a long read.
    /// - Throws: `FileSystemError` when the file cannot be opened or read; whatever `body` throws.
    public static func forEachChunkBlocking(ofFileAt path: String, _ body: (UnsafeRawBufferPointer) throws -> Void)
        throws
    {
        var reader = try ChunkReader(path)
        while let chunk = try reader.next() { try body(chunk) }
    }
}

/// An open file read front to back into one buffer of `Files.chunkSize` bytes, closed when dropped. Not an
/// array: the async reader lends the bytes across a suspension, which an array's storage only allows inside a
/// synchronous closure.
private struct ChunkReader: ~Copyable {
    private let path: String
    private let fd: Int32
    private let buffer: UnsafeMutableRawBufferPointer

    init(_ path: String) throws(FileSystemError) {
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileSystemError("read", path) }
        self.path = path
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Files.chunkSize, alignment: 1)
    }

    deinit {
        close(fd)
        buffer.deallocate()
    }

    /// The next piece, valid until the next call; nil at the end of the file.
    mutating func next() throws(FileSystemError) -> UnsafeRawBufferPointer? {
        let count = try Files.readSome(fd, into: buffer, path)
        return count == 0 ? nil : UnsafeRawBufferPointer(rebasing: buffer[..<count])
    }
}
