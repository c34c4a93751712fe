import AgentClient
import AgentServer
import AgentWire
import Foundation
@testable import KVMAgent
import Libvirt
import TestSupport
import Testing

/// The host-side paths beside the connect chain — power, dependencies, vmsync and checkstate semantics,
/// the migration helpers, the VLAN update of a bridge — over HTTP, checked on their real effects.
@Suite("Host flow routes", .timeLimit(.minutes(3)))
struct HostFlowRoutesTests {
    /// A script that appends its arguments, one line per call, to `<directory>/<name>.argv`.
    static func recorder(_ name: String, in directory: URL) -> String {
        let path = directory.appendingPathComponent(name).path
        let script = "#!/bin/sh\necho \"$*\" >> '\(path).argv'\n"
        #expect(FileManager.default.createFile(atPath: path, contents: Data(script.utf8), attributes: [.posixPermissions: 0o755]))
        return path
    }

    @Test("shutdown and reboot reply first, then run the configured program; a missing program is refused")
    func power() async throws {
        try await KVMAgentHarness.with(configure: { configuration, directory in
            configuration.hostShutdownCommand = [Self.recorder("power", in: directory), "0"]
            configuration.hostRebootCommand = [Self.recorder("power", in: directory), "-r", "now"]
        }) { agent async throws in  // every `try` is inside #expect, which closure inference does not see
            let argv = agent.directory.appendingPathComponent("power.argv").path
            #expect(try await agent.call("/host/shutdown", EmptyCommand(), as: EmptyReply.self).success)
            #expect(await eventually(within: .seconds(30)) { (try? String(contentsOfFile: argv, encoding: .utf8)) == "0\n" })
            #expect(try await agent.call("/host/reboot", EmptyCommand(), as: EmptyReply.self).success)
            #expect(await eventually(within: .seconds(30)) { (try? String(contentsOfFile: argv, encoding: .utf8)) == "0\n-r now\n" })
        }
        try await KVMAgentHarness.with(configure: { configuration, directory in
            configuration.hostShutdownCommand = [directory.appendingPathComponent("no-such-init").path, "0"]
        }) { agent in
            let refused = try await agent.call("/host/shutdown", EmptyCommand(), as: EmptyReply.self)
            #expect(!refused.success && refused.error?.contains("no-such-init is not installed") == true)
        }
    }

    @Test("updatedependency installs nothing: present programs succeed, a missing one is named")
    func dependencies() async throws {
        let command = KVM.UpdateDependencyCmd(hostUuid: KVMAgentHarness.hostUuid, enableExpRepo: true, zstackRepo: "zstack-mn")
        try await KVMAgentHarness.with { agent async throws in
            #expect(try await agent.call("/host/updatedependency", command, as: EmptyReply.self).success)
        }
        try await KVMAgentHarness.with(iptablesCommand: ["/nonexistent/iptables"]) { agent in
            let reply = try await agent.call("/host/updatedependency", command, as: EmptyReply.self)
            #expect(!reply.success && reply.error?.contains("missing: /nonexistent/iptables") == true)
        }
    }

    @Test("vmsync lists active domains only; checkstate calls the others Shutdown; getvirtualizerinfo answers per VM")
    func vmStates() async throws {
        try await KVMAgentHarness.with(configure: { configuration, directory in
            configuration.emulator = MNConnectFlowTests.fakeEmulator(in: directory)
        }) { agent in
            let running = KVMAgentHarness.uniqueUUID(), paused = KVMAgentHarness.uniqueUUID(), defined = KVMAgentHarness.uniqueUUID()
            for name in [running, paused] {
                var start = StartVmFixtures.minimal(name: name)
                start.rootVolume?.installPath = try agent.file("root-\(name).qcow2")
                start.createPaused = name == paused
                let reply = try await agent.call("/vm/start", start, as: KVM.StartVmResponse.self)
                #expect(reply.success, "\(reply.error ?? "")")
            }
            let inactive = try await agent.libvirt.defineDomain(xml: """
                <domain type='test'><name>\(defined)</name><memory unit='KiB'>65536</memory><vcpu>1</vcpu>\
                <os><type arch='x86_64'>hvm</type></os></domain>
                """)
            defer { inactive.close() }
            let sync = try await agent.call("/vm/vmsync", EmptyCommand(), as: KVM.VmSyncResponse.self)
            #expect(sync.states?[running] == "Running" && sync.states?[paused] == "Paused" && sync.states?[defined] == nil)
            #expect(sync.vmInShutdowns == [])

            var check = KVM.CheckVmStateCmd()
            check.vmUuids = [running, paused, defined, "nosuchvm"]
            let states = try await agent.call("/vm/checkstate", check, as: KVM.CheckVmStateRsp.self)
            #expect(states.states == [running: "Running", paused: "Paused", defined: "Shutdown", "nosuchvm": "Shutdown"])

            let info = try await agent.call("/vm/getvirtualizerinfo", KVM.GetVirtualizerInfoCmd(vmUuids: [running, "nosuchvm"]),
                                            as: KVM.GetVirtualizerInfoRsp.self)
            #expect(info.hostInfo == KVM.VirtualizerInfoTO(uuid: KVMAgentHarness.hostUuid, virtualizer: "qemu-kvm",
                                                           version: MNConnectFlowTests.qemuVersion))
            #expect(info.vmInfoList?.map(\.uuid) == [running, "nosuchvm"])
            #expect(info.vmInfoList?.allSatisfy { $0.virtualizer == "qemu-kvm" && $0.version == MNConnectFlowTests.qemuVersion } == true)

            try await inactive.undefine()
            for name in [running, paused] {
                var destroy = KVM.DestroyVmCmd()
                destroy.uuid = name
                #expect(try await agent.call("/vm/destroy", destroy, as: EmptyReply.self).success)
            }
        }
    }

    @Test("console harden writes the Python agent's chain for the VM's port; deletefirewall removes it and its jump")
    func consoleFirewall() async throws {
        try await NetworkNamespace.with(prefix: "zskvmcon-") { namespace in
            try await namespace.addNIC("eth0")
            try await namespace.ip(["addr", "add", "10.0.0.5/24", "dev", "eth0"])
            try await KVMAgentHarness.with(iptablesCommand: ["ip", "netns", "exec", namespace.name, "iptables"], configure: { configuration, _ in
                configuration.networkNamespace = namespace.name
            }) { agent in
                let name = KVMAgentHarness.uniqueUUID()
                let domain = try await agent.libvirt.defineDomain(xml: """
                    <domain type='test'><name>\(name)</name><memory unit='KiB'>65536</memory><vcpu>1</vcpu>\
                    <metadata><zs:zstack xmlns:zs='http://zstack.org'><internalId>42</internalId></zs:zstack></metadata>\
                    <os><type arch='x86_64'>hvm</type></os><devices><graphics type='vnc' port='5907' autoport='no'/>\
                    </devices></domain>
                    """)
                defer { domain.close() }
                try await domain.start()

                let elsewhere = KVM.HardenVmConsoleCmd(vmUuid: name, vmInternalId: 42, hostManagementIp: "10.9.9.9")
                let refused = try await agent.call("/vm/console/harden", elsewhere, as: EmptyReply.self)
                #expect(!refused.success && refused.error?.contains("no interface of this host has it") == true)
                #expect(try await namespace.check(["iptables", "-S"]).contains("vm-42-vnc") == false)

                let harden = KVM.HardenVmConsoleCmd(vmUuid: name, vmInternalId: 42, hostManagementIp: "10.0.0.5")
                for _ in 0..<2 {  // a second harden replaces the chain rather than adding to it
                    let reply = try await agent.call("/vm/console/harden", harden, as: EmptyReply.self)
                    #expect(reply.success, "\(reply.error ?? "")")
                }
                let rules = try await namespace.check(["iptables", "-S"]).split(separator: "\n").map(String.init)
                #expect(rules.filter { $0.contains("vm-42-vnc") } == [
                    "-N vm-42-vnc",
                    "-A INPUT -p tcp -m tcp --dport 5907 -j vm-42-vnc",
                    "-A vm-42-vnc -d 10.0.0.0/24 -j ACCEPT",
                    "-A vm-42-vnc ! -d 10.0.0.0/24 -j REJECT --reject-with icmp-host-prohibited",
                ])

                for _ in 0..<2 {  // deleting what is gone is a success
                    let deleted = try await agent.call("/vm/console/deletefirewall", harden, as: EmptyReply.self)
                    #expect(deleted.success, "\(deleted.error ?? "")")
                }
                #expect(try await namespace.check(["iptables", "-S"]).contains("vm-42-vnc") == false)
                try await domain.destroy()
                try await domain.undefine()
            }
        }
    }

    @Test("clean firmware flash removes the store of a VM that left, keeps one in use, refuses a path")
    func firmwareFlash() async throws {
        try await KVMAgentHarness.with(configure: { configuration, directory in
            configuration.nvramDirectory = directory.appendingPathComponent("nvram").path
        }) { agent in
            let nvram = agent.directory.appendingPathComponent("nvram")
            try FileManager.default.createDirectory(at: nvram, withIntermediateDirectories: true)
            let gone = KVMAgentHarness.uniqueUUID(), here = KVMAgentHarness.uniqueUUID()
            let start = try agent.minimalStart(name: here)
            #expect(try await agent.call("/vm/start", start, as: KVM.StartVmResponse.self).success)
            for name in [gone, here] {
                #expect(FileManager.default.createFile(atPath: nvram.appendingPathComponent("\(name).fd").path, contents: Data("vars".utf8)))
            }
            #expect(try await agent.call("/clean/firmware/flash", KVM.CleanVmFirmwareFlashCmd(vmUuid: gone), as: EmptyReply.self).success)
            #expect(try await agent.call("/clean/firmware/flash", KVM.CleanVmFirmwareFlashCmd(vmUuid: here), as: EmptyReply.self).success)
            #expect(try await agent.call("/clean/firmware/flash", KVM.CleanVmFirmwareFlashCmd(vmUuid: gone), as: EmptyReply.self).success)
            #expect(!FileManager.default.fileExists(atPath: nvram.appendingPathComponent("\(gone).fd").path))
            #expect(FileManager.default.fileExists(atPath: nvram.appendingPathComponent("\(here).fd").path))

            let outside = agent.directory.appendingPathComponent("outside.fd").path
            #expect(FileManager.default.createFile(atPath: outside, contents: Data()))
            let refused = try await agent.call("/clean/firmware/flash", KVM.CleanVmFirmwareFlashCmd(vmUuid: "../outside"), as: EmptyReply.self)
            #expect(!refused.success && refused.error?.contains("is not a VM uuid") == true)
            #expect(FileManager.default.fileExists(atPath: outside))

            var destroy = KVM.DestroyVmCmd()
            destroy.uuid = here
            #expect(try await agent.call("/vm/destroy", destroy, as: EmptyReply.self).success)
        }
    }

    @Test("updatebridge swaps the bridge's port between the NIC and its VLAN interfaces, refusing to strand addresses")
    func updateVlanBridge() async throws {
        try await NetworkNamespace.with(prefix: "zskvmupd-") { namespace in
            try await namespace.addNIC("eth0")
            let vlans = await namespace.supportsVlan(on: "eth0")
            try await KVMAgentHarness.with(configure: { configuration, _ in configuration.networkNamespace = namespace.name }) { agent in
                var create = KVM.CreateBridgeCmd()
                create.bridgeName = "br_eth0"
                create.physicalInterfaceName = "eth0"
                #expect(try await agent.call("/network/l2novlan/createbridge", create, as: EmptyReply.self).success)

                // KVMRealizeL2VlanNetworkBackend.update: VLAN ids as Java Strings, nil for "no VLAN".
                func update(old: String?, new: String?, bridge: String = "br_eth0") async throws -> EmptyReply {
                    var fields = [#""physicalInterfaceName":"eth0""#, #""bridgeName":"\#(bridge)""#,
                                  #""l2NetworkUuid":"4a1f0c3e9b2d4e8f8c7a6b5d4e3f2a1b""#]
                    if let old { fields.append(#""oldVlan":"\#(old)""#) }
                    if let new { fields.append(#""newVlan":"\#(new)""#) }
                    return try await agent.call("/network/l2vlan/updatebridge", try MNConnectFlowTests.json("{\(fields.joined(separator: ","))}"),
                                                as: EmptyReply.self)
                }

                // Refusals come before anything changes, so they need no VLAN support.
                let missing = try await update(old: nil, new: "10", bridge: "br_none")
                #expect(!missing.success && missing.error?.contains("bridge br_none does not exist") == true)
                let wrong = try await update(old: "30", new: "40")
                #expect(!wrong.success && wrong.error?.contains("eth0.30 is not a port of bridge br_eth0") == true)
                let badVlan = try await update(old: nil, new: "4095")
                #expect(!badVlan.success && badVlan.error?.contains("vlan 4095 is outside 1-4094") == true)
                try await namespace.ip(["addr", "add", "10.0.0.5/24", "dev", "br_eth0"])
                let stranded = try await update(old: nil, new: "10")
                #expect(!stranded.success && stranded.error?.contains("br_eth0 carries 10.0.0.5") == true)
                var links = try await LinkSnapshot.read(namespace)
                #expect(links["eth0"]?.master == "br_eth0" && links["eth0.10"] == nil)
                try await namespace.ip(["addr", "del", "10.0.0.5/24", "dev", "br_eth0"])

                guard vlans else {
                    // This kernel cannot make VLAN interfaces: the reply must say so, and the bridge keep its port.
                    let refused = try await update(old: nil, new: "10")
                    #expect(!refused.success && refused.error?.contains("no 802.1Q VLAN support") == true, "\(refused.error ?? "")")
                    links = try await LinkSnapshot.read(namespace)
                    #expect(links["eth0"]?.master == "br_eth0" && links["eth0.10"] == nil)
                    return
                }
                let toVlan = try await update(old: nil, new: "10")
                #expect(toVlan.success, "\(toVlan.error ?? "")")
                links = try await LinkSnapshot.read(namespace)
                #expect(links["eth0.10"]?.master == "br_eth0" && links["eth0"]?.master == nil)

                #expect(try await update(old: "10", new: "20").success)
                links = try await LinkSnapshot.read(namespace)
                #expect(links["eth0.20"]?.master == "br_eth0" && links["eth0.10"]?.master == nil && links["eth0.10"] != nil)

                #expect(try await update(old: "20", new: nil).success)
                links = try await LinkSnapshot.read(namespace)
                #expect(links["eth0"]?.master == "br_eth0" && links["eth0.20"]?.master == nil)
            }
        }
    }
}

/// Python 2.7's `platform.dist()` on the first lines of real distributions' release files, and qemu's
/// version strings as `qemu._parse_version` cuts them.
@Suite struct PythonParityTests {
    @Test("the OS triple is what the Python agent reports on each distribution", arguments: [
        (["centos-release", "os-release", "redhat-release", "system-release"], "CentOS Linux release 7.9.2009 (Core)\n",
         PlatformDistribution.Expected("centos linux", "7.9.2009", "Core")),
        (["os-release", "redhat-release", "system-release"], "Red Hat Enterprise Linux release 8.6 (Ootpa)\n",
         PlatformDistribution.Expected("redhat", "8.6", "Ootpa")),
        (["debian_version", "os-release"], "12.11\n", PlatformDistribution.Expected("debian", "12.11", "Core")),
        (["debian_version", "lsb-release", "os-release"], "bookworm/sid\n", PlatformDistribution.Expected("debian", "bookworm/sid", "Core")),
        (["kylin-release", "os-release"], "Kylin Linux Advanced Server release V10 (ZStack)\n",
         PlatformDistribution.Expected("kylin", "10", "Sword")),
        (["helix-release"], "Helix release 3.1 (x)\n", PlatformDistribution.Expected("helix", "3.1", "release")),
        (["os-release", "system-release"], "", PlatformDistribution.Expected("", "", "Core")),
    ])
    func distribution(entries: [String], firstLine: String, expected: PlatformDistribution.Expected) {
        let found = PlatformDistribution(etcEntries: entries, firstLine: { _ in firstLine })
        #expect(PlatformDistribution.Expected(found.distribution, found.version, found.release) == expected)
    }

    @Test func qemuVersion() {
        #expect(Virtualizer.parseVersion("QEMU emulator version 2.12.0 (qemu-kvm-ev-2.12.0-44.1.el7_9.1)\nCopyright") == "2.12.0-44.1.el7_9.1")
        #expect(Virtualizer.parseVersion("QEMU emulator version 4.2.0 (qemu-kvm-4.2.0-640.g70d8f25.el7)") == "4.2.0-640.g70d8f25.el7")
        #expect(Virtualizer.parseVersion("QEMU emulator version 7.2.11 (Debian 1:7.2+dfsg-7+deb12u13)") == "7+deb12u13")
        #expect(Virtualizer.parseVersion("QEMU emulator version 8.2.0") == "")
    }

    @Test func cpuGigahertz() {
        #expect(HostFacts.gigahertz(modelName: "Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz", megahertz: 1200) == "2.40")
        #expect(HostFacts.gigahertz(modelName: "AMD EPYC 7K62 48-Core Processor", megahertz: 2595.124) == "2.60")
    }
}

extension PlatformDistribution {
    /// A triple to compare in parameterized tests.
    struct Expected: Equatable, Sendable, CustomTestStringConvertible {
        var distribution: String, version: String, release: String
        init(_ distribution: String, _ version: String, _ release: String) {
            (self.distribution, self.version, self.release) = (distribution, version, release)
        }
        var testDescription: String { "\(distribution)/\(version)/\(release)" }
    }
}
