import Crypto

/// MD5 as ZStack uses it (image checksums, the deployer's agent-file manifests): lowercase hex, as `md5sum`
/// prints it. Files are read in 1 MiB pieces, so an image of any size hashes in constant memory, and the
/// task yields between pieces so a long hash neither starves other tasks nor outlives its cancellation.
public enum FileDigest {
    /// The MD5 of the file at `path`; `progress` hears the bytes hashed so far after each piece.
    /// - Throws: `FileSystemError` when it cannot be opened or read; `CancellationError` when the task is
    ///   cancelled.
    public static func md5(ofFileAt path: String, progress: (Int64) -> Void = { _ in }) async throws -> String {
        var hash = Insecure.MD5()
        var hashed: Int64 = 0
        try await Files.forEachChunk(ofFileAt: path) { chunk in
            hash.update(bufferPointer: chunk)
            hashed += Int64(chunk.count)
            progress(hashed)
        }
        return hex(hash.finalize())
    }

    /// `md5(ofFileAt:)` on the calling thread, for a thread of its own (`DedicatedThread`).
    /// - Throws: `FileSystemError` when it cannot be opened or read.
    public static func md5Blocking(ofFileAt path: String) throws -> String {
        var hash = Stream()
        try Files.forEachChunkBlocking(ofFileAt: path) { hash.update($0) }
        return hash.finalize()
    }

    /// The MD5 of `bytes`.
    public static func md5(of bytes: some Sequence<UInt8>) -> String {
        hex(Insecure.MD5.hash(data: Array(bytes)))
    }

    /// Lowercase hex of a digest (or any bytes).
    public static func hex(_ digest: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in digest {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// An MD5 computed as bytes pass (a download hashed while it is written).
    public struct Stream {
        private var hash = Insecure.MD5()

        public init() {}

        public mutating func update(_ bytes: UnsafeRawBufferPointer) { hash.update(bufferPointer: bytes) }

        public func finalize() -> String { hex(hash.finalize()) }
    }
}
