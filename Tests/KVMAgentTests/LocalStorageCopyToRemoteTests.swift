import AgentClient
import AgentServer
import AgentWire
import Foundation
import HostSystem
import TestSupport
import Testing

/// `/localstorage/copytoremote` against a real destination: a loopback sshd (127.0.77.1:2830) in a mount
/// namespace of its own where the agent's storage root is another directory of this machine, so the copy
/// lands at the same absolute paths as on a second KVM host, and root logs in there with a password.
@Suite("local storage copy to another KVM host", .serialized, .timeLimit(.minutes(5)))
struct LocalStorageCopyToRemoteTests {
    /// Quotes, spaces, `$`, `;`: what ZSTAC-13430 made ZStack's agent write the password to a file for.
    static let password = #"r00t pa$$ 'word";|&`x`"#

    /// An agent with an initialized storage at `<agent>/ps`, and the destination host whose `<agent>/ps` is
    /// `destination` (empty at first).
    private func withHosts(_ body: @Sendable (KVMAgentHarness, String, TestHost, String) async throws -> Void) async throws {
        try await KVMAgentHarness.with { agent in
            let root = agent.directory.appendingPathComponent("ps").path
            let reply = try await agent.call("/localstorage/init", try LocalStorageBodies.body(root, #""path":"\#(root)""#),
                                             as: KVM.LocalStorageResponse.self)
            #expect(reply.success, "\(reply.error ?? "")")
            let destination = try TemporaryDirectory("fcr-dst")
            defer { destination.remove() }
            try await TestHost.with(name: "fcr-dst", address: "127.0.77.1", sshPort: 2830, bindMounts: [root: destination.path],
                                    rootPassword: Self.password) { host in
                try await body(agent, root, host, destination.path)
            }
        }
    }

    /// The body `LocalStorageKvmBackend` sends (Gson: nulls omitted, `dstPort` always there).
    private func body(_ root: String, _ host: TestHost, paths: [String], password: String = Self.password,
                      user: String = "root") throws -> JSONValue {
        let list = try paths.map(LocalStorageBodies.quoted).joined(separator: ",")
        return try LocalStorageBodies.body(root, #"""
            "sendCommandUrl":"http://127.0.0.1:8080/zstack/asyncrest/sendcommand","paths":[\#(list)],"dstIp":"\#(host.address)",
            "dstPassword":\#(try LocalStorageBodies.quoted(password)),"dstUsername":"\#(user)","dstPort":\#(host.sshPort),
            "stage":"10-90","volumeUuid":"0a1b2c3d4e5f60718293a4b5c6d7e8f9"
            """#, threadContext: true)
    }

    private func md5(_ path: String) async throws -> String { String(try await Program.output(["md5sum", "--", path]).prefix(32)) }

    /// Everything under `directory`, folders included.
    private func entries(_ directory: String) -> [String] {
        ((try? FileManager.default.subpathsOfDirectory(atPath: directory)) ?? []).sorted()
    }

    /// `qemu-img info --backing-chain` as the destination host sees it (inside its sshd's mount namespace).
    private func remoteChain(_ host: TestHost, _ path: String) async throws -> [String] {
        let pid = try String(contentsOf: host.directory.appendingPathComponent("sshd.pid"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let json = try await Program.output(["nsenter", "-t", pid, "-m", "qemu-img", "info", "--backing-chain", "--output=json", path])
        let images = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        return images.compactMap { $0["filename"] as? String }
    }

    @Test("a volume with its backing chain lands at the same paths with equal MD5s, the chain intact, progress in the stage")
    func copiesTheChain() async throws {
        try await withHosts { agent, root, host, destination in
            let base = root + "/imagecache/template/image-1/image-1.qcow2"
            let snapshot = root + "/rootVolumes/acct-1/vol-1/snapshots/s1.qcow2"
            let volume = root + "/rootVolumes/acct-1/vol-1/vol-1.qcow2"
            try await ImageChain.create([base, snapshot, volume])
            try Files.setMode(volume, 0o660)

            let reply = try await agent.call("/localstorage/copytoremote", try body(root, host, paths: [volume]),
                                             as: KVM.LocalStorageResponse.self)
            #expect(reply.success, "\(reply.error ?? "")")
            #expect(reply.totalCapacity ?? 0 > 0 && reply.availableCapacity ?? 0 > 0)
            for file in [base, snapshot, volume] {
                let copied = destination + file.dropFirst(root.count)
                #expect(try await md5(copied) == (try await md5(file)), "\(copied)")
            }
            #expect(entries(destination).filter { $0.hasSuffix(".partial") }.isEmpty, "no temporary file left")
            let mode = try FileManager.default.attributesOfItem(atPath: destination + "/rootVolumes/acct-1/vol-1/vol-1.qcow2")[.posixPermissions] as? Int
            #expect(mode == 0o660, "the file's mode is kept, as rsync -a keeps it")
            #expect(try await remoteChain(host, volume) == [volume, snapshot, base])

            let reports = try agent.mn.events.filter { $0.commandPath == "/progress/report" }.map { try $0.decode(ProgressReportCmd.self) }
            #expect(reports.first?.progress == "10" && reports.last?.progress == "90", "\(reports.map { $0.progress ?? "" })")
            #expect(reports.allSatisfy { $0.processType == "LocalStorageMigrateVolume" && $0.resourceUuid == "0a1b2c3d4e5f60718293a4b5c6d7e8f9" })

            // Again: the files are replaced whole (ZStack's rsync rewrites them too), and nothing else appears.
            let before = entries(destination)
            let again = try await agent.call("/localstorage/copytoremote", try body(root, host, paths: [volume, snapshot]),
                                             as: KVM.LocalStorageResponse.self)
            #expect(again.success, "\(again.error ?? "")")
            #expect(entries(destination) == before)
        }
    }

    @Test("a wrong password and a non-root user: clear in-band errors, nothing at the destination")
    func refusedLogins() async throws {
        try await withHosts { agent, root, host, destination in
            let volume = root + "/rootVolumes/acct-1/vol-2/vol-2.qcow2"
            try await ImageChain.create([volume])
            let wrong = try await agent.call("/localstorage/copytoremote", try body(root, host, paths: [volume], password: "not-it"),
                                             as: KVM.LocalStorageResponse.self)
            #expect(!wrong.success && wrong.error?.contains("authenticationFailed") == true, "\(wrong.error ?? "")")
            #expect(wrong.error?.contains("not-it") == false)
            let user = try await agent.call("/localstorage/copytoremote", try body(root, host, paths: [volume], user: "zstack"),
                                            as: KVM.LocalStorageResponse.self)
            #expect(!user.success && user.error?.contains("dstUsername zstack is not root") == true, "\(user.error ?? "")")
            #expect(entries(destination).isEmpty)
        }
    }

    @Test("a copy cancelled by /job/cancel mid-file leaves nothing at the destination")
    func cancelLeavesNothing() async throws {
        try await withHosts { agent, root, host, destination in
            let base = root + "/imagecache/template/image-2/image-2.qcow2"
            let volume = root + "/rootVolumes/acct-1/vol-3/vol-3.qcow2"
            try await ImageChain.create([base])
            try await ImageChain.create(volume, backing: base)
            // Real data in the top file, so the copy is caught running: the base is already in place by then.
            try await Program.check(["qemu-img", "resize", "-q", volume, "1G"])
            try await Program.check(["qemu-io", "-f", "qcow2", "-c", "write -P 0x5a 0 1G", volume])
            let copying = Task { try await agent.call("/localstorage/copytoremote", try body(root, host, paths: [volume]),
                                                      as: KVM.LocalStorageResponse.self) }
            let folder = destination + "/rootVolumes/acct-1/vol-3"
            try await agent.cancelLocalStorageJob(onceStagingIn: folder)
            let reply = try await copying.value
            #expect(!reply.success && reply.error?.contains("was cancelled") == true, "\(reply.error ?? "")")
            #expect(entries(destination).isEmpty, "neither the partial file, the base already copied, nor their folders: \(entries(destination))")
        }
    }

    @Test("hostile paths are refused naming the field, before anything is sent")
    func hostilePaths() async throws {
        try await withHosts { agent, root, host, destination in
            let outside = agent.directory.path + "/outside"
            try await ImageChain.create([outside + "/victim.qcow2"])
            let leaky = root + "/rootVolumes/leak/leak.qcow2"
            try await ImageChain.create(leaky, backing: outside + "/victim.qcow2")
            let good = root + "/rootVolumes/good/good.qcow2"
            try await ImageChain.create([good])
            let cases: [([String], String)] = [
                ([good, root + "/../outside/victim.qcow2"], "paths"),
                ([good, "/etc/shadow"], "paths"),
                ([good, leaky], "the backing file of"),
                ([], "paths is missing"),
            ]
            for (paths, field) in cases {
                let reply = try await agent.call("/localstorage/copytoremote", try body(root, host, paths: paths),
                                                 as: KVM.LocalStorageResponse.self)
                #expect(!reply.success && reply.error?.contains(field) == true, "\(paths): \(reply.error ?? "")")
                #expect(entries(destination).isEmpty, "\(paths): nothing sent, not even the good file")
            }
        }
    }
}
