import AgentClient
import AgentWire
import Foundation
import Libvirt
import Testing

/// `/host/*` over HTTP, cross-checked against libvirt's node info and the files Linux exposes.
@Suite("Host commands over HTTP", .timeLimit(.minutes(2)))
struct HostRoutesHTTPTests {
    /// A `test:///` host of 2 sockets × 4 cores at 2400 MHz with 8 GiB, private to one agent.
    func nodeFile() throws -> (uri: String, directory: URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("node-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let xml = """
        <node><cpu><mhz>2400</mhz><model>x86_64</model><active>8</active><nodes>1</nodes>\
        <sockets>2</sockets><cores>4</cores><threads>1</threads></cpu><memory>8388608</memory></node>
        """
        try Data(xml.utf8).write(to: directory.appendingPathComponent("node.xml"))
        return ("test://\(directory.path)/node.xml", directory)
    }

    @Test("connect replies versions and persists the MN version; capacity matches libvirt's node info")
    func connectAndCapacity() async throws {
        let node = try nodeFile()
        defer { try? FileManager.default.removeItem(at: node.directory) }
        try await KVMAgentHarness.with(uri: node.uri) { agent in
            #expect(agent.connectReply?.success == true)
            #expect(agent.connectReply?.libvirtVersion == (try await agent.libvirt.libraryVersion()).description)
            #expect(agent.connectReply?.qemuVersion == (try await agent.libvirt.hypervisorVersion()).description)
            let versionFile = agent.directory.appendingPathComponent("state/kvmagent_version").path
            #expect(try String(contentsOfFile: versionFile, encoding: .utf8) == "5.2.0")

            let capacity = try await agent.call("/host/capacity", EmptyCommand(), as: KVM.HostCapacityResponse.self)
            #expect(capacity.success, "\(capacity.error ?? "")")
            let info = try await agent.libvirt.nodeInfo()
            #expect(info.cpus == 8 && info.mhz == 2400)
            #expect(capacity.cpuNum == 8 && capacity.cpuSpeed == 2400 && capacity.cpuSockets == 2)
            #expect(capacity.totalMemory == Int64(8) << 30)
            #expect(capacity.usedCpu == 0 && capacity.usedMemory == 0)

            let start = try agent.minimalStart()
            #expect(try await agent.call("/vm/start", start, as: KVM.StartVmResponse.self).success)
            let busy = try await agent.call("/host/capacity", EmptyCommand(), as: KVM.HostCapacityResponse.self)
            #expect(busy.usedCpu == 2 && busy.usedMemory == 512 << 20)
        }
    }

    @Test("facts agree with /proc/cpuinfo, qemu-img and libvirt (the OS triple: MNConnectFlowTests)")
    func facts() async throws {
        try await KVMAgentHarness.with { agent in
            let fact = try await agent.call("/host/fact", EmptyCommand(), as: KVM.HostFactResponse.self)
            #expect(fact.success)
            let cpuinfo = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
            let processors = cpuinfo.split(separator: "\n").filter { $0.hasPrefix("processor") }.count
            #expect(fact.cpuProcessorNum == String(processors))
            let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
                .map { $0.split(separator: ":", maxSplits: 1)[1].trimmingCharacters(in: .whitespaces) }
            #expect(fact.hostCpuModelName == model)
            #expect(fact.hvmCpuFlag == (cpuinfo.contains("vmx") ? "vmx" : cpuinfo.contains("svm") ? "svm" : nil))
            #expect(fact.cpuArchitecture == "x86_64" || fact.cpuArchitecture == "aarch64")
            #expect(fact.libvirtVersion == (try await agent.libvirt.libraryVersion()).description)
            let qemuImg = try #require(fact.qemuImgVersion)
            #expect(qemuImg.split(separator: ".").count >= 2 && qemuImg.first?.isNumber == true)
            #expect(fact.virtualizerInfo?.virtualizer == "qemu-kvm" && fact.virtualizerInfo?.uuid == KVMAgentHarness.hostUuid)
            #expect(fact.uptime?.count == 19)
            #expect(fact.ipAddresses?.contains("127.0.0.1") == false)
        }
    }

    @Test("checkfile reports existing paths with md5; the interface check knows /sys/class/net")
    func filesAndInterfaces() async throws {
        try await KVMAgentHarness.with { agent in
            let path = agent.directory.appendingPathComponent("image.qcow2").path
            try Data("zstack".utf8).write(to: URL(fileURLWithPath: path))
            var check = KVM.CheckFileOnHostCmd()
            check.paths = [path, agent.directory.appendingPathComponent("missing/file").path]
            check.md5Return = true
            let files = try await agent.call("/host/checkfile", check, as: KVM.CheckFileOnHostResponse.self)
            #expect(files.existPaths == [path: "0c137be244ebcbb621ab70cf2990ac15"])

            var interfaces = KVM.CheckPhysicalNetworkInterfaceCmd()
            interfaces.interfaceNames = ["lo"]
            let present = try await agent.client.sync("/network/checkphysicalnetworkinterface", interfaces,
                                                      as: KVM.CheckPhysicalNetworkInterfaceResponse.self)
            #expect(present.success && present.failedInterfaceNames == [])
            interfaces.interfaceNames = ["lo", "nosuchnic0", "../lo"]
            let missing = try await agent.client.sync("/network/checkphysicalnetworkinterface", interfaces,
                                                      as: KVM.CheckPhysicalNetworkInterfaceResponse.self)
            #expect(!missing.success && missing.failedInterfaceNames == ["nosuchnic0", "../lo"])
        }
    }
}
