/// How far an SFTP transfer has got; passed to the progress callback after each chunk.
public struct TransferProgress: Sendable, Hashable {
    /// Bytes of the destination now in place, including any part that was already there when resuming.
    public let bytesDone: Int64
    /// The size the destination will have when complete.
    public let totalBytes: Int64

    /// Builds a progress report.
    public init(bytesDone: Int64, totalBytes: Int64) {
        self.bytesDone = bytesDone
        self.totalBytes = totalBytes
    }
}

/// What an SFTP transfer did.
public struct TransferResult: Sendable, Hashable {
    /// The size of the complete file.
    public let totalBytes: Int64
    /// Where this transfer started: the size of the partial destination it resumed, or 0.
    public let resumedFrom: Int64
    /// Bytes actually moved over the network by this call.
    public var bytesTransferred: Int64 { totalBytes - resumedFrom }

    /// Builds a transfer result.
    public init(totalBytes: Int64, resumedFrom: Int64) {
        self.totalBytes = totalBytes
        self.resumedFrom = resumedFrom
    }
}
