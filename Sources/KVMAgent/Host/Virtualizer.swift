import AgentWire
import HostSystem
import Libvirt

#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The virtualizer of this host and of its VMs as ZStack's Python agent reports them (`qemu.py`): always
/// `qemu-kvm`, with the version of the qemu binary in the form the MN compares — the package release
/// inside the parentheses of `qemu --version` ("QEMU emulator version 2.12.0 (qemu-kvm-ev-2.12.0-44.1.el7)"
/// gives "2.12.0-44.1.el7").
///
/// Where the host has no qemu binary (libvirt's test driver stands in for the hypervisor), the version is
/// the one libvirt reports for its hypervisor, as `virsh version` does.
struct Virtualizer: Sendable {
    /// The MN's `KVMConstant.VIRTUALIZER_QEMU_KVM`.
    static let name = "qemu-kvm"

    let connection: LibvirtConnection
    /// The configured emulator; nil looks where the Python agent looks (`qemu.get_path`).
    let emulator: String?
    let runner: ProcessRunner
    /// Where libvirt's qemu driver writes `<domain>.pid` (`KVMAgentConfiguration.qemuRunDirectory`).
    let pidDirectory: String

    /// The Python agent's search order for the host's qemu.
    static func candidates(architecture: String) -> [String] {
        ["/usr/libexec/qemu-kvm", "/bin/qemu-kvm", "/usr/bin/qemu-system-\(architecture)"]
    }

    /// The host's virtualizer; `uuid` is the host uuid the MN gave on connect (nil before it did).
    func host(uuid: String?) async throws -> KVM.VirtualizerInfoTO {
        KVM.VirtualizerInfoTO(uuid: uuid, virtualizer: Self.name, version: try await hostVersion())
    }

    /// The host's virtualizer and each VM's: the version of the qemu process that runs the VM — it keeps
    /// the binary it started with until it restarts, which is what the MN wants to know after a qemu
    /// upgrade —, or, for a VM with no process here, the host's, as the Python agent answers
    /// (`get_running_version`). The host's binary is asked once, however many VMs are named.
    func info(hostUuid: String?, vmUuids: [String]) async throws -> (host: KVM.VirtualizerInfoTO, vms: [KVM.VirtualizerInfoTO]) {
        let host = try await host(uuid: hostUuid)
        var vms: [KVM.VirtualizerInfoTO] = []
        for uuid in vmUuids {
            let running = await runningVersion(uuid)
            vms.append(KVM.VirtualizerInfoTO(uuid: uuid, virtualizer: Self.name, version: running ?? host.version))
        }
        return (host, vms)
    }

    /// One VM's virtualizer, for the replies of `/vm/start` and `/sync/vm/deviceinfo`.
    func vm(uuid: String) async throws -> KVM.VirtualizerInfoTO {
        if let running = await runningVersion(uuid) {
            return KVM.VirtualizerInfoTO(uuid: uuid, virtualizer: Self.name, version: running)
        }
        return KVM.VirtualizerInfoTO(uuid: uuid, virtualizer: Self.name, version: try await hostVersion())
    }

    /// The version of the binary of the qemu process libvirt recorded for `uuid`, if there is one.
    private func runningVersion(_ uuid: String) async -> String? {
        // The name becomes a file name: nothing that could leave the pid directory.
        guard !uuid.isEmpty, !uuid.contains("/"), uuid != ".", uuid != "..",
              let pid = (try? String(contentsOfFile: "\(pidDirectory)/\(uuid).pid", encoding: .utf8))
                  .flatMap({ Int32($0.trimmingWhitespace()) }) else { return nil }
        return await Self.version(of: "/proc/\(pid)/exe", runner: runner)
    }

    private func hostVersion() async throws -> String {
        let binary = emulator ?? Self.candidates(architecture: Self.architecture)
            .first { FileManager.default.isExecutableFile(atPath: $0) }
        if let binary, let version = await Self.version(of: binary, runner: runner) { return version }
        return try await connection.hypervisorVersion().description
    }

    private static func version(of binary: String, runner: ProcessRunner) async -> String? {
        guard let output = try? await runner.run(binary, ["--version"], timeout: .seconds(30)).text else { return nil }
        return parseVersion(output)
    }

    /// Python's `qemu._parse_version`: the first line starting with "qemu" (any case), the text inside its
    /// parentheses if any, then only the dash-separated parts that start with a digit.
    static func parseVersion(_ output: String) -> String {
        let lines = output.split(separator: "\n").map { $0.trimmingWhitespace() }
        let line = lines.first { $0.lowercased().hasPrefix("qemu") } ?? lines.first ?? ""
        var full = Substring(line)
        if let open = full.firstIndex(of: "(") {
            full = full[full.index(after: open)...]
            if let close = full.firstIndex(of: ")") { full = full[..<close] }
        }
        return full.split(separator: "-", omittingEmptySubsequences: false)
            .filter { $0.first?.isNumber == true }
            .joined(separator: "-")
    }

    /// `uname -m`.
    static var architecture: String {
        var system = utsname()
        uname(&system)
        return withUnsafeBytes(of: system.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }
}
