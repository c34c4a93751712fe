import CLibssh

/// The SFTP subsystem on one channel of a session: requests out, replies matched to them by id.
///
/// Why our own SFTP client rather than libssh's `sftp_*`: libssh 0.10's SFTP waits for a reply in a loop with
/// no deadline (a server that stalls halfway through a packet hangs the caller forever, in blocking and
/// non-blocking mode alike) and reads one request at a time. Here every wait goes through
/// `SessionHandle.waitForSocket` (deadline, idle limit, cancellation) and transfers keep many requests in
/// flight. SFTP v3 is small: the handful of messages this module needs are in `SFTPPacket`.
///
/// Not Sendable: used only inside one job on the `BlockingExecutor`, like the `SessionHandle` that owns it.
final class SFTPChannel {
    private let channel: Channel
    private unowned let session: SessionHandle
    private var nextID: UInt32 = 1
    /// Bytes read from the channel and not yet parsed; `received[consumed...]` is what is left.
    private var received: [UInt8] = []
    private var consumed = 0
    /// Requests sent and not answered yet.
    private var pending: Set<UInt32> = []
    /// Replies that arrived before the one being waited for (a server may answer out of order).
    private var early: [UInt32: SFTPReply] = [:]
    /// Requests whose caller gave up (cancelled, failed): their replies are dropped when they arrive.
    private var abandoned: Set<UInt32> = []
    private var scratch = [UInt8](repeating: 0, count: 256 << 10)

    /// Opens the channel, starts the `sftp` subsystem and agrees on version 3.
    init(session: SessionHandle, deadline: Deadline, cancellation: CancellationFlag) throws(SSHError) {
        let what = "starting SFTP (is the sftp subsystem enabled?)"
        channel = try Channel(session: session, what: what)
        self.session = session
        try session.retry(what, code: .sftp, deadline: deadline, cancellation: cancellation) {
            ssh_channel_open_session(channel.pointer)
        }
        try session.retry(what, code: .sftp, deadline: deadline, cancellation: cancellation) {
            ssh_channel_request_subsystem(channel.pointer, "sftp")
        }
        var hello = SFTPPacketWriter(.initialize, id: nil)
        hello.u32(3)
        try send(hello.packet, what: what, deadline: deadline, cancellation: cancellation)
        let (type, payload) = try nextPacket(what: what, deadline: deadline, cancellation: cancellation)
        var reader = SFTPPacketReader(payload, source: session.label)
        guard type == SFTPPacket.Message.version.rawValue, try reader.u32() >= 3 else {
            throw SSHError(.sftp, "\(session.label) does not speak SFTP version 3")
        }
    }

    /// Sends a request built by `fill` (after its id) and returns the id to wait for with `reply(to:)`.
    func request(
        _ type: SFTPPacket.Message, what: String, deadline: Deadline, cancellation: CancellationFlag,
        _ fill: (inout SFTPPacketWriter) -> Void
    ) throws(SSHError) -> UInt32 {
        let id = nextID
        nextID &+= 1
        var writer = SFTPPacketWriter(type, id: id)
        fill(&writer)
        try send(writer.packet, what: what, deadline: deadline, cancellation: cancellation)
        pending.insert(id)
        return id
    }

    /// Sends a request and waits for its reply.
    func call(
        _ type: SFTPPacket.Message, what: String, deadline: Deadline, cancellation: CancellationFlag,
        _ fill: (inout SFTPPacketWriter) -> Void
    ) throws(SSHError) -> SFTPReply {
        let id = try request(type, what: what, deadline: deadline, cancellation: cancellation, fill)
        do {
            return try reply(to: id, what: what, deadline: deadline, cancellation: cancellation)
        } catch {
            abandon([id])
            throw error
        }
    }

    /// Waits for the reply to request `id`, keeping any other reply that comes first.
    func reply(to id: UInt32, what: String, deadline: Deadline, cancellation: CancellationFlag) throws(SSHError)
        -> SFTPReply
    {
        while true {
            if let reply = early.removeValue(forKey: id) { return reply }
            let (type, payload) = try nextPacket(what: what, deadline: deadline, cancellation: cancellation)
            var reader = SFTPPacketReader(payload, source: session.label)
            let replyID = try reader.u32()
            if abandoned.remove(replyID) != nil { continue }
            guard pending.remove(replyID) != nil else {
                throw SSHError(
                    .sftp, "\(session.label) answered SFTP request \(replyID), which is not waiting for a reply")
            }
            let reply = SFTPReply(type: type, reader: reader, what: what, source: session.label)
            if replyID == id { return reply }
            early[replyID] = reply
        }
    }

    /// Requests nobody will wait for any more; their replies are dropped so the channel stays usable.
    func abandon(_ ids: some Sequence<UInt32>) {
        for id in ids where early.removeValue(forKey: id) == nil && pending.remove(id) != nil {
            abandoned.insert(id)
        }
    }

    /// Writes the whole packet; libssh queues what the channel window allows, the rest waits for the window.
    private func send(_ packet: [UInt8], what: String, deadline: Deadline, cancellation: CancellationFlag)
        throws(SSHError)
    {
        var sent = 0
        while sent < packet.count {
            let rc = packet.withUnsafeBytes {
                ssh_channel_write(channel.pointer, $0.baseAddress! + sent, UInt32($0.count - sent))
            }
            guard rc >= 0 else { throw session.error(what, code: .sftp) }
            sent += Int(rc)
            if rc == 0 { try session.waitForSocket(what, deadline: deadline, cancellation: cancellation) }
        }
    }

    /// The next whole packet from the server: its type and the payload after the type byte.
    private func nextPacket(what: String, deadline: Deadline, cancellation: CancellationFlag) throws(SSHError)
        -> (UInt8, ArraySlice<UInt8>)
    {
        while true {
            let available = received.count - consumed
            if available >= 5 {
                let length = received[consumed..<(consumed + 4)].reduce(0) { $0 << 8 | Int($1) }
                guard length >= 1, length <= SFTPPacket.maximumLength else {
                    throw SSHError(.sftp, "\(session.label) sent an SFTP packet of \(length) bytes")
                }
                if available >= 4 + length {
                    let type = received[consumed + 4]
                    // A copy, so that a reply kept for later does not pin (and force copies of) the buffer.
                    let payload = ArraySlice(Array(received[(consumed + 5)..<(consumed + 4 + length)]))
                    consumed += 4 + length
                    return (type, payload)
                }
            }
            if consumed > 0 {
                received.removeFirst(consumed)
                consumed = 0
            }
            let rc = scratch.withUnsafeMutableBytes {
                ssh_channel_read_nonblocking(channel.pointer, $0.baseAddress, UInt32($0.count), 0)
            }
            if rc > 0 {
                received.append(contentsOf: scratch[..<Int(rc)])
            } else if rc == SSH_EOF {
                throw SSHError(.sftp, "the SFTP server on \(session.label) closed the channel while \(what)")
            } else if rc == 0 {
                try session.waitForSocket(what, deadline: deadline, cancellation: cancellation)
            } else {
                throw session.error(what, code: .sftp)
            }
        }
    }
}

/// One reply, read field by field by whoever asked for it.
struct SFTPReply {
    let type: UInt8
    var reader: SFTPPacketReader
    let what: String
    let source: String

    /// Succeeds for an OK status; any other status is an `.sftp` error with `sftpStatus` set.
    func ok() throws(SSHError) {
        var reader = reader
        guard try statusCode(&reader) == SFTPPacket.statusOK else { throw failure(&reader) }
    }

    /// The handle of an OPEN.
    func handle() throws(SSHError) -> [UInt8] {
        var reader = reader
        guard type == SFTPPacket.Message.handle.rawValue else { throw failure(&reader) }
        return Array(try reader.string())
    }

    /// The attributes of a STAT or FSTAT.
    func attributes() throws(SSHError) -> SFTPFileAttributes {
        var reader = reader
        guard type == SFTPPacket.Message.attributes.rawValue else { throw failure(&reader) }
        return try reader.attributes()
    }

    /// The bytes of a READ, or `nil` at end of file.
    func data() throws(SSHError) -> ArraySlice<UInt8>? {
        var reader = reader
        if type == SFTPPacket.Message.data.rawValue { return try reader.string() }
        var peek = reader
        if try statusCode(&peek) == SFTPPacket.statusEOF { return nil }
        throw failure(&reader)
    }

    private func statusCode(_ reader: inout SFTPPacketReader) throws(SSHError) -> UInt32 {
        guard type == SFTPPacket.Message.status.rawValue else {
            throw SSHError(.sftp, "\(source) sent SFTP message \(type) in reply to \(what)")
        }
        return try reader.u32()
    }

    /// The error for a reply that is not what the request expects: a failure status, or the wrong message.
    private func failure(_ reader: inout SFTPPacketReader) -> SSHError {
        do {
            let status = try statusCode(&reader)
            let text = (try? reader.string()).map { String(decoding: $0.prefix(200), as: UTF8.self) } ?? ""
            let detail = text.isEmpty ? "" : " (server: \(text.debugDescription))"
            return SSHError(
                .sftp, "\(what) on \(source) failed: \(SFTPPacket.meaning(ofStatus: status))\(detail)",
                sftpStatus: UInt(status))
        } catch {
            return error
        }
    }
}
