import AgentClient
import AgentServer
import AgentWire
import Foundation
@testable import KVMAgent
import Libvirt
import Logging
import TestSupport
import Testing

/// The MN's AddKVMHost and reconnect flows (`KVMHost.connectHook`, `continueConnect` and the connect
/// extensions) replayed against the agent in their real order, each body as Gson writes the Java command
/// (nulls omitted, primitives always present), each reply checked for every field the Java side reads.
@Suite("MN connect flows", .serialized, .timeLimit(.minutes(3)))
struct MNConnectFlowTests {
    static let hostUuid = "5e1c2a3b4d5f46a7b8c9d0e1f2a3b4c5"
    /// What a CentOS 7 host's qemu-kvm-ev prints, from a stand-in emulator: the version the MN stores.
    static let qemuOutput = "QEMU emulator version 2.12.0 (qemu-kvm-ev-2.12.0-44.1.el7_9.1)\nCopyright (c) 2003-2017"
    static let qemuVersion = "2.12.0-44.1.el7_9.1"

    static func json(_ text: String) throws -> JSONValue {
        try WireJSON.decode(JSONValue.self, from: Array(text.utf8))
    }

    /// An executable stand-in for qemu that prints `qemuOutput` for `--version`.
    static func fakeEmulator(in directory: URL) -> String {
        let path = directory.appendingPathComponent("qemu-kvm").path
        let script = "#!/bin/sh\ncat <<'EOF'\n\(qemuOutput)\nEOF\n"
        #expect(FileManager.default.createFile(atPath: path, contents: Data(script.utf8), attributes: [.posixPermissions: 0o755]))
        return path
    }

    /// `ConnectCmd` as `KVMHost.connectToAgent` fills it for a host without the EPT tag.
    static func connectBody(_ mn: ManagementNodeEndpoint) throws -> JSONValue {
        try json("""
        {"hostUuid":"\(hostUuid)","sendCommandUrl":"\(mn.sendCommandURL)","iptablesRules":[],"ignoreMsrs":false,\
        "pageTableExtensionDisabled":true,"tcpServerPort":7123,"version":"5.2.0"}
        """)
    }

    /// The facts the MN reads (`createCollectHostFactsFlow`): it dereferences `virtualizerInfo` and
    /// `libvirtVersion`, and compares the OS triple and the CPU model across the cluster.
    static func expectFacts(_ fact: KVM.HostFactResponse, libvirt: LibvirtConnection) async throws {
        #expect(fact.success, "\(fact.error ?? "")")
        #expect(fact.libvirtVersion == (try await libvirt.libraryVersion()).description)
        let virtualizer = try #require(fact.virtualizerInfo)
        #expect(virtualizer.virtualizer == "qemu-kvm" && virtualizer.version == qemuVersion)
        let python = PlatformDistribution(etcEntries: try FileManager.default.contentsOfDirectory(atPath: "/etc"),
                                          firstLine: { try? String(contentsOfFile: "/etc/\($0)", encoding: .utf8) })
        #expect(fact.osDistribution == python.distribution && fact.osVersion == python.version && fact.osRelease == python.release)
        if let debian = try? String(contentsOfFile: "/etc/debian_version", encoding: .utf8),
           !FileManager.default.fileExists(atPath: "/etc/redhat-release") {
            // What Python 2.7's platform.dist() says on Debian and Ubuntu, whatever /etc/os-release says.
            #expect(fact.osDistribution == "debian" && fact.osVersion == debian.trimmingCharacters(in: .whitespacesAndNewlines)
                    && fact.osRelease == "Core")
        }
        let cpuinfo = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        // `grep vmx`, `grep svm`, `grep -w ept` over the whole file, as the Python agent runs them.
        #expect(fact.hvmCpuFlag == (cpuinfo.contains("vmx") ? "vmx" : cpuinfo.contains("svm") ? "svm" : nil))
        let words = cpuinfo.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_") })
        #expect(fact.eptFlag == (words.contains("ept") ? "ept" : nil))
        for field in [fact.systemProductName, fact.systemSerialNumber, fact.systemManufacturer, fact.systemUUID,
                      fact.biosVendor, fact.biosVersion, fact.biosReleaseDate, fact.cpuGHz, fact.cpuProcessorNum,
                      fact.cpuCache, fact.uptime, fact.qemuImgVersion] {
            #expect(field?.isEmpty == false)
        }
        #expect(fact.cpuCache?.split(separator: ",").count == 3)
        #expect(fact.libvirtCapabilities == [])
    }

    @Test("AddKVMHost: echo, facts, connect, bridges, local storage, capacity, vmsync, virtualizer info, ping, take-over flag")
    func addHost() async throws {
        try await NetworkNamespace.with(prefix: "zskvmflow-") { namespace in
            try await namespace.addNIC("eth0")
            try await KVMAgentHarness.with(connect: false, configure: { configuration, directory in
                configuration.emulator = Self.fakeEmulator(in: directory)
                configuration.networkNamespace = namespace.name
                configuration.takeOverFlagPath = directory.appendingPathComponent("takeOver").path
            }) { agent in
                // echo-host: an empty POST answered 200.
                #expect(try await agent.client.post("/host/echo", body: []).status == 200)

                // collect-kvm-host-facts, before connect.
                try await Self.expectFacts(try await agent.call("/host/fact", try Self.json("{}"), as: KVM.HostFactResponse.self),
                                           libvirt: agent.libvirt)

                // continueConnect: connectToAgent (sync) reads both versions into VersionComparators.
                let connected = try await agent.client.sync("/host/connect", try Self.connectBody(agent.mn), as: KVM.ConnectResponse.self)
                #expect(connected.success, "\(connected.error ?? "")")
                #expect(connected.libvirtVersion == (try await agent.libvirt.libraryVersion()).description)
                #expect(connected.qemuVersion == (try await agent.libvirt.hypervisorVersion()).description)

                // prepare-l2-network: the cluster's no-VLAN L2 network.
                let bridge = try await agent.call("/network/l2novlan/createbridge", try Self.json("""
                    {"physicalInterfaceName":"eth0","bridgeName":"br_eth0","l2NetworkUuid":"4a1f0c3e9b2d4e8f8c7a6b5d4e3f2a1b",\
                    "disableIptables":false,"mtu":1500,"isolated":false}
                    """), as: EmptyReply.self)
                #expect(bridge.success, "\(bridge.error ?? "")")
                #expect(try await LinkSnapshot.read(namespace)["eth0"]?.master == "br_eth0")

                // init-local-storage: the MN reads both capacities.
                let root = agent.directory.appendingPathComponent("ls").path
                let storage = try await agent.call("/localstorage/init", try Self.json("""
                    {"uuid":"a1b2c3d4e5f60718293a4b5c6d7e8f90","path":"\(root)","storagePath":"\(root)",\
                    "hostUuid":"\(Self.hostUuid)","initFilePath":"\(root)/zstack_initialized_file"}
                    """), as: KVM.LocalStorageResponse.self)
                #expect(storage.success, "\(storage.error ?? "")")
                #expect((storage.totalCapacity ?? 0) > 0 && storage.availableCapacity != nil)

                // sync-host-capacity.
                let capacity = try await agent.call("/host/capacity", try Self.json("{}"), as: KVM.HostCapacityResponse.self)
                #expect(capacity.success && capacity.cpuNum != nil && capacity.cpuSpeed != nil && capacity.usedCpu != nil
                        && capacity.totalMemory != nil && capacity.usedMemory != nil && capacity.cpuSockets != nil)

                // sync-vm-state: a map even when empty (the MN iterates it).
                let sync = try await agent.call("/vm/vmsync", try Self.json("{}"), as: KVM.VmSyncResponse.self)
                #expect(sync.success && sync.states != nil)

                // collect-virtualizer-info-for-running-vm: a new host asks for no VMs; the MN keys the record
                // with hostInfo.uuid and streams vmInfoList.
                let info = try await agent.call("/vm/getvirtualizerinfo", try Self.json(#"{"vmUuids":[]}"#),
                                                as: KVM.GetVirtualizerInfoRsp.self)
                #expect(info.success, "\(info.error ?? "")")
                #expect(info.hostInfo == KVM.VirtualizerInfoTO(uuid: Self.hostUuid, virtualizer: "qemu-kvm", version: Self.qemuVersion))
                #expect(info.vmInfoList == [])

                // The MN writes the take-over flag over ssh at the end; every ping keeps it fresh.
                let flag = agent.directory.appendingPathComponent("takeOver").path
                try Data("uuid:\(Self.hostUuid)\n".utf8).write(to: URL(fileURLWithPath: flag))
                let old = Date(timeIntervalSince1970: 1_000_000)
                try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: flag)
                let pinged = try await agent.call("/host/ping", try Self.json(#"{"hostUuid":"\#(Self.hostUuid)"}"#),
                                                  as: KVM.PingResponse.self)
                #expect(pinged.success && pinged.hostUuid == Self.hostUuid && pinged.version == "5.2.0"
                        && pinged.sendCommandUrl == agent.mn.sendCommandURL)
                let touched = try #require(try FileManager.default.attributesOfItem(atPath: flag)[.modificationDate] as? Date)
                #expect(touched > old)
                #expect(try String(contentsOfFile: flag, encoding: .utf8) == "uuid:\(Self.hostUuid)\n")
            }
        }
    }

    @Test("reconnect after an agent restart: ping shows it, updatedependency, facts, connect, vmsync and virtualizer info of its VM")
    func reconnectAfterRestart() async throws {
        let scratch = try TemporaryDirectory("kvmflow")
        defer { scratch.remove() }
        let configuration = KVMAgentConfiguration(
            server: .test(), libvirtURI: "test:///default", emulator: Self.fakeEmulator(in: scratch.url),
            stateDirectory: scratch.url.appendingPathComponent("state").path, iptablesCommand: ["false"],
            storageRoots: [scratch.path], takeOverFlagPath: scratch.url.appendingPathComponent("takeOver").path)
        let checking = try await LibvirtConnection.open(uri: "test:///default")
        let vm = KVMAgentHarness.uniqueUUID()
        do {
            try await ManagementNodeEndpoint.run { mn in
                let ping = try Self.json(#"{"hostUuid":"\#(Self.hostUuid)"}"#)
                try await RunningAgent.with(try await buildKVMAgent(configuration, logger: Logger(label: "test.kvm.life1"))) { agent in
                    #expect(try await agent.client.sync("/host/connect", try Self.connectBody(mn), as: KVM.ConnectResponse.self).success)
                    var start = StartVmFixtures.minimal(name: vm)
                    start.rootVolume?.installPath = scratch.path + "/root.qcow2"
                    #expect(FileManager.default.createFile(atPath: scratch.path + "/root.qcow2", contents: Data()))
                    let started = try await agent.client.async("/vm/start", start, as: KVM.StartVmResponse.self, via: mn)
                    #expect(started.success, "\(started.error ?? "")")
                    #expect(try await agent.client.async("/host/ping", ping, as: KVM.PingResponse.self, via: mn).hostUuid == Self.hostUuid)
                }
                try await RunningAgent.with(try await buildKVMAgent(configuration, logger: Logger(label: "test.kvm.life2"))) { agent in
                    // The ping task: a hostUuid that is not the host's makes the MN reconnect.
                    let restarted = try await agent.client.async("/host/ping", ping, as: KVM.PingResponse.self, via: mn)
                    #expect(restarted.success && restarted.hostUuid == nil && restarted.sendCommandUrl == nil)
                    #expect(restarted.version == "5.2.0")  // from the file connect persisted, as the Python agent answers

                    // The reconnect: echo, update-kvmagent-dependencies (Java boolean always sent), facts, connect.
                    #expect(try await agent.client.post("/host/echo", body: []).status == 200)
                    let dependencies = try await agent.client.async("/host/updatedependency", try Self.json("""
                        {"hostUuid":"\(Self.hostUuid)","enableExpRepo":false,"zstackRepo":"false"}
                        """), as: EmptyReply.self, via: mn)
                    #expect(dependencies.success, "\(dependencies.error ?? "")")
                    try await Self.expectFacts(try await agent.client.async("/host/fact", try Self.json("{}"),
                                                                            as: KVM.HostFactResponse.self, via: mn),
                                               libvirt: checking)
                    #expect(try await agent.client.sync("/host/connect", try Self.connectBody(mn), as: KVM.ConnectResponse.self).success)

                    // The VM kept running through the restart; the MN asks for the virtualizer of its VMs.
                    let sync = try await agent.client.async("/vm/vmsync", try Self.json("{}"), as: KVM.VmSyncResponse.self, via: mn)
                    #expect(sync.states?[vm] == "Running" && sync.vmInShutdowns?.contains(vm) == false)
                    let info = try await agent.client.async("/vm/getvirtualizerinfo", try Self.json(#"{"vmUuids":["\#(vm)"]}"#),
                                                            as: KVM.GetVirtualizerInfoRsp.self, via: mn)
                    #expect(info.hostInfo?.uuid == Self.hostUuid)
                    #expect(info.vmInfoList == [KVM.VirtualizerInfoTO(uuid: vm, virtualizer: "qemu-kvm", version: Self.qemuVersion)])

                    let back = try await agent.client.async("/host/ping", ping, as: KVM.PingResponse.self, via: mn)
                    #expect(back.hostUuid == Self.hostUuid && back.sendCommandUrl == mn.sendCommandURL && back.version == "5.2.0")

                    var destroy = KVM.DestroyVmCmd()
                    destroy.uuid = vm
                    #expect(try await agent.client.async("/vm/destroy", destroy, as: EmptyReply.self, via: mn).success)
                }
            }
            #expect(try await checking.domain(named: vm) == nil)
        } catch {
            if let domain = try? await checking.domain(named: vm) { try? await domain.destroy(); try? await domain.undefine(.metadata); domain.close() }
            await checking.close()
            throw error
        }
        await checking.close()
    }
}
