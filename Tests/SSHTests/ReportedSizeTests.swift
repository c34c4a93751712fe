@testable import SSH
import Testing

/// A size an SFTP server reports is foreign input: one past what a file offset can hold (a hostile or broken
/// server claiming 2^63 bytes or more) must be refused, not trapped on.
@Suite struct ReportedSizeTests {
    @Test func sizesBeyondAFileOffsetAreRefused() throws {
        #expect(try SessionHandle.fileSize(1 << 40, of: "/image") == 1 << 40)
        #expect(try SessionHandle.fileSize(UInt64(Int64.max), of: "/image") == Int64.max)
        for hostile: UInt64 in [UInt64(Int64.max) + 1, .max] {
            #expect { try SessionHandle.fileSize(hostile, of: "/image") } throws: { error in
                (error as? SSHError)?.code == .sftp && "\(error)".contains("more than a file can hold")
            }
        }
    }
}
