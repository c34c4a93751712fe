import AgentWire
import Testing

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

@Suite("sftp backup-storage command shapes")
struct SftpBackupStorageCommandsTests {
    @Test("DownloadCmd as the MN sends it: millisecond timeout, thread context, unknown fields")
    func downloadCommand() throws {
        let json = #"""
        {"uuid":"bs1","imageUuid":"img1","installPath":"/bs/a.template","url":"http://h/a.qcow2","timeout":"1800000",
         "urlScheme":"http","threadContext":{"api":"api1","task-stage":"1"},"threadContextStack":[],
         "taskContext":{"__messagetimeout__":"1800000"},"sendCommandUrl":"ignored"}
        """#
        let command = try WireJSON.decode(SftpBackupStorage.DownloadCmd.self, from: Array(json.utf8))
        #expect(command.timeout == 1_800_000)
        #expect(command.threadContext?["api"] == .string("api1"))
        #expect(command.installPath == "/bs/a.template" && command.urlScheme == "http")
        #expect(try WireJSON.decode(SftpBackupStorage.DownloadCmd.self, from: []) == SftpBackupStorage.DownloadCmd())
    }

    @Test("replies use the Java names, carry capacity, and omit what is unset")
    func replies() throws {
        var download = SftpBackupStorage.DownloadResponse()
        download.md5Sum = "d41d8cd98f00b204e9800998ecf8427e"
        download.size = 10
        download.actualSize = 5
        download.format = "qcow2"
        download.totalCapacity = 100
        download.availableCapacity = 50
        #expect(String(decoding: try WireJSON.encode(download), as: UTF8.self) == #"""
        {"actualSize":5,"availableCapacity":50,"format":"qcow2","md5Sum":"d41d8cd98f00b204e9800998ecf8427e","size":10,"success":true,"totalCapacity":100}
        """#)
        #expect(String(decoding: try WireJSON.encode(SftpBackupStorage.PingResponse()), as: UTF8.self) == #"{"success":true}"#)
        var check = SftpBackupStorage.ImageMetaDataFileResponse()
        check.backupStorageMetaFileName = "/bs/bs_sftp_info.json"
        check.exist = true
        #expect(String(decoding: try WireJSON.encode(check), as: UTF8.self)
            == #"{"backupStorageMetaFileName":"/bs/bs_sftp_info.json","exist":true,"success":true}"#)
        let dump = try WireJSON.decode(SftpBackupStorage.DumpImageMetaDataCmd.self, from: Array(#"{"dumpAllMetaData":"true"}"#.utf8))
        #expect(dump.dumpAllMetaData == true)
    }
}
