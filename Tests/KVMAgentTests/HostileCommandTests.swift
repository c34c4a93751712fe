import AgentClient
import AgentWire
import Foundation
import Libvirt
import Testing

/// The attacks a peer on the management network could try on the KVM agent, each refused in-band with
/// nothing touched outside the storage roots and the agent still answering afterwards.
@Suite struct HostileCommandTests {
    /// A file outside every storage root whose content must survive every attack.
    private func canary(_ agent: KVMAgentHarness) throws -> String {
        let outside = agent.directory.deletingLastPathComponent().appendingPathComponent("canary-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        let path = outside.appendingPathComponent("victim.qcow2").path
        try Data("canary".utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    private func modified(_ start: JSONValue, _ change: (inout [String: JSONValue]) -> Void) -> JSONValue {
        guard case var .object(fields) = start else { return start }
        change(&fields)
        return .object(fields)
    }

    @Test func localStorageCannotBeRootedOutsideTheConfiguredRoots() async throws {
        try await KVMAgentHarness.with { agent in
            let victim = try canary(agent)
            defer { try? FileManager.default.removeItem(atPath: (victim as NSString).deletingLastPathComponent) }
            for path in ["/", "/etc", (victim as NSString).deletingLastPathComponent, agent.directory.path + "/../x"] {
                var initialize = KVM.LocalStorageInitCmd()
                initialize.path = path
                let reply = try await agent.call("/localstorage/init", initialize, as: KVM.LocalStorageResponse.self)
                #expect(!reply.success, "init at \(path)")
            }
            var delete = KVM.LocalStorageDeleteCmd()
            delete.path = victim
            let deleted = try await agent.call("/localstorage/delete", delete, as: KVM.LocalStorageResponse.self)
            #expect(!deleted.success)
            #expect(try String(contentsOfFile: victim, encoding: .utf8) == "canary")
        }
    }

    @Test func vmDisksCdromsAndFileChecksOutsideTheRootsAreRefused() async throws {
        try await KVMAgentHarness.with { agent in
            let uuid = KVMAgentHarness.uniqueUUID()
            let start = try agent.zstack5Start(uuid: uuid)
            let shadowRoot = modified(start) { fields in
                if case var .object(root)? = fields["rootVolume"] {
                    root["installPath"] = .string("/etc/shadow")
                    fields["rootVolume"] = .object(root)
                }
            }
            let refused = try await agent.call("/vm/start", shadowRoot, as: KVM.StartVmResponse.self)
            #expect(!refused.success && refused.error?.contains("outside the storage roots") == true)
            let passwdCdrom = modified(start) { fields in
                fields["cdRoms"] = .array([.object(["path": .string("/etc/passwd"), "deviceId": .number(0)])])
            }
            let cdrom = try await agent.call("/vm/start", passwdCdrom, as: KVM.StartVmResponse.self)
            #expect(!cdrom.success && cdrom.error?.contains("/etc/passwd") == true)
            #expect(try await agent.libvirt.domain(named: uuid) == nil, "nothing defined")

            var check = KVM.CheckFileOnHostCmd()
            check.paths = ["/etc/shadow"]
            check.md5Return = true
            let probe = try await agent.call("/host/checkfile", check, as: KVM.CheckFileOnHostResponse.self)
            #expect(!probe.success && probe.existPaths == nil)
        }
    }

    @Test func hugeCPUTopologiesAreRefusedWithoutKillingTheAgent() async throws {
        try await KVMAgentHarness.with { agent in
            let uuid = KVMAgentHarness.uniqueUUID()
            let start = modified(try agent.zstack5Start(uuid: uuid)) { fields in
                fields["socketNum"] = .number(4_294_967_296)
                fields["cpuOnSocket"] = .number(4_294_967_296)
                fields["threadsPerCore"] = .number(4_294_967_296)
            }
            let reply = try await agent.call("/vm/start", start, as: KVM.StartVmResponse.self)
            #expect(!reply.success && reply.error?.contains("out of range") == true)
            let echo = try await agent.client.post("/host/echo", body: [])
            #expect(echo.status == 200, "the agent is still alive")
        }
    }

    @Test func anEventURLThatIsNotPlainHTTPIsRefusedAtConnect() async throws {
        try await KVMAgentHarness.with { agent in
            let reply = try await agent.client.sync("/host/connect",
                                                    KVM.ConnectCmd(hostUuid: KVMAgentHarness.hostUuid, sendCommandUrl: "http+unix://%2Frun%2Flibvirt%2Fsock/x",
                                                               version: "5.2.0"),
                                                    as: KVM.ConnectResponse.self)
            #expect(!reply.success && reply.error?.contains("sendCommandUrl") == true)
            let ping = try await agent.call("/host/ping", KVM.PingCmd(), as: KVM.PingResponse.self)
            #expect(ping.sendCommandUrl == agent.mn.sendCommandURL, "the MN's URL from the first connect stays")
        }
    }
}
