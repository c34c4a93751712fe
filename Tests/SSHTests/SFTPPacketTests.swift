@testable import SSH
import Testing

/// SFTP v3 coding without a server: requests are framed as the draft says, and replies are foreign input,
/// so every truncated or overlong field is an `.sftp` error.
@Suite struct SFTPPacketTests {
    @Test func requestsCarryTheirLengthTypeIdAndFields() {
        var writer = SFTPPacketWriter(.open, id: 7)
        writer.string("/a")
        writer.u32(SFTPPacket.openRead)
        writer.attributes(permissions: 0o600)
        let expected: [UInt8] =
            [0, 0, 0, 23, 3] + [0, 0, 0, 7] + [0, 0, 0, 2, 0x2f, 0x61] + [0, 0, 0, 1] + [0, 0, 0, 4, 0, 0, 0x01, 0x80]
        #expect(writer.packet == expected)
    }

    @Test func attributesKeepWhatTheServerSentAndSkipTheRest() throws {
        let flags: [UInt8] = [0x80, 0, 0, 0x0f]  // size, owner, permissions, times, extended
        let bytes: [UInt8] =
            flags + [0, 0, 0, 0, 0, 0, 0x10, 0] + [0, 0, 0, 1, 0, 0, 0, 2] + [0, 0, 0x81, 0xa4]
            + [0, 0, 0, 9, 0, 0, 0, 42] + [0, 0, 0, 1] + [0, 0, 0, 1, 0x78, 0, 0, 0, 0]
        var reader = SFTPPacketReader(ArraySlice(bytes), source: "test")
        let attributes = try reader.attributes()
        #expect(attributes == SFTPFileAttributes(size: 4096, permissions: 0o100644, modificationTime: 42))
        #expect(attributes.isRegularFile)
    }

    @Test(arguments: [
        [0, 0, 0, 5, 0x61],  // a string longer than the packet
        [0xff, 0xff, 0xff, 0xff],  // a string of 4 GiB
        [0, 0],  // half a length
    ] as [[UInt8]])
    func truncatedStringsAreMalformed(bytes: [UInt8]) {
        var reader = SFTPPacketReader(ArraySlice(bytes), source: "test")
        #expect { try reader.string() } throws: { error in
            (error as? SSHError)?.code == .sftp && "\(error)".contains("malformed")
        }
    }

    @Test func aHugeExtensionCountEndsAtTheEndOfThePacket() {
        var reader = SFTPPacketReader(ArraySlice([0x80, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]), source: "test")
        #expect(throws: SSHError.self) { try reader.attributes() }
    }
}
