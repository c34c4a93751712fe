import AgentWire
import Testing

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

@Suite("KVM command shapes")
struct KVMCommandsTests {
    @Test("KVM.StartVmCmd keeps Java's capitalised names and accepts string scalars")
    func startVmNames() throws {
        let json = #"""
        {"vmInstanceUuid":"u1","VDIMonitorNumber":"2","MemAccess":"shared","memory":"1073741824",
         "rootVolume":{"installPath":"/a.qcow2","useVirtio":"true","deviceId":0},
         "cdRoms":[{"isEmpty":true,"protocol":"file"}],"kvmHostAddons":{"k":[1,"x",null]},"unknown":1}
        """#
        let command = try WireJSON.decode(KVM.StartVmCmd.self, from: Array(json.utf8))
        #expect(command.VDIMonitorNumber == 2)
        #expect(command.MemAccess == "shared")
        #expect(command.memory == 1_073_741_824)
        #expect(command.rootVolume?.useVirtio == true)
        #expect(command.cdRoms?.first?.isEmpty == true)
        #expect(command.cdRoms?.first?.protocol == "file")
        #expect(command.kvmHostAddons?["k"] == .array([.number(1), .string("x"), .null]))
    }

    @Test("replies omit unset fields and use the Java names")
    func replies() throws {
        var sync = KVM.VmSyncResponse(states: ["vm": "Running"])
        sync.vmInShutdowns = nil
        let text = String(decoding: try WireJSON.encode(sync), as: UTF8.self)
        #expect(text == #"{"states":{"vm":"Running"},"success":true}"#)

        var storage = KVM.LocalStorageResponse()
        storage.totalCapacity = 10
        storage.availableCapacity = 4
        #expect(String(decoding: try WireJSON.encode(storage), as: UTF8.self)
            == #"{"availableCapacity":4,"success":true,"totalCapacity":10}"#)
        let report = KVM.ReportVmStateCmd(hostUuid: "h", vmUuid: "v", vmState: "Paused")
        #expect(String(decoding: try WireJSON.encode(report), as: UTF8.self)
            == #"{"hostUuid":"h","vmState":"Paused","vmUuid":"v"}"#)
    }

    @Test("a wrongly typed nested field names its path")
    func nestedError() throws {
        let json = #"{"nics":[{"mac":"52:54:00:00:00:01","deviceId":"first"}]}"#
        let error = try #require(throws: WireDecodingError.self) {
            try WireJSON.decode(KVM.StartVmCmd.self, from: Array(json.utf8))
        }
        #expect(error.message.contains("nics[0].deviceId"))
    }
}
