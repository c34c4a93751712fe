import AgentWire
import HostSystem
import Libvirt

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import XML

/// The changes a 5.x MN makes to a running VM's size and priority.
extension VMService {
    /// `/vm/increase/cpu`: sets the vCPUs live and in the definition (at most the maximum the VM was started
    /// with) and answers the count libvirt then reports.
    public func increaseCPU(_ command: KVM.IncreaseCpuCmd) async throws -> KVM.IncreaseCpuResponse {
        let uuid = try Self.required(command.vmUuid, "vmUuid")
        guard let cpus = command.cpuNum, cpus > 0 else {
            throw KVMAgentError(.vm, "cpuNum must be positive, got \(command.cpuNum.map(String.init) ?? "nothing")")
        }
        return try await withDomain(uuid) { domain in
            do {
                try await domain.setVirtualCPUs(cpus, [.live, .config])
            } catch let error as LibvirtError {
                // As the Python agent says it: the usual cause is a VM started before online change was enabled.
                let hint = error.message.contains("greater than max")
                    ? "; please check if you have rebooted the VM to make Instance Offering Online Modification take effect" : ""
                throw KVMAgentError(.vm, "cannot set \(cpus) vCPUs on vm \(uuid): \(error.message)\(hint)")
            }
            return KVM.IncreaseCpuResponse(cpuNum: try await Self.currentSize(domain).cpus)
        }
    }

    /// `/vm/increase/mem`: hot-plugs the difference as one DIMM on NUMA node 0, as the Python agent does;
    /// the same size is nothing to do, a smaller one is refused (memory cannot be unplugged this way).
    public func increaseMemory(_ command: KVM.IncreaseMemoryCmd) async throws -> KVM.IncreaseMemoryResponse {
        let uuid = try Self.required(command.vmUuid, "vmUuid")
        guard let target = command.memorySize, target >= 1024 else {
            throw KVMAgentError(.vm, "memorySize must be at least 1024 bytes, got \(command.memorySize.map(String.init) ?? "nothing")")
        }
        return try await withDomain(uuid) { domain in
            let current = try await Self.currentSize(domain).memoryBytes
            guard target >= current else {
                throw KVMAgentError(.vm, "vm \(uuid) has \(current) bytes of memory; online change can only add memory, not shrink it to \(target)")
            }
            let kib = (target - current) / 1024
            if kib > 0 {
                let dimm = "<memory model='dimm'><target><size unit='KiB'>\(kib)</size><node>0</node></target></memory>"
                do {
                    try await domain.attachDevice(xml: dimm, [.live, .config])
                } catch let error as LibvirtError {
                    throw KVMAgentError(.vm, "cannot hot-plug \(kib) KiB of memory into vm \(uuid) (libvirt driver \(connection.uri)): \(error.message)")
                }
            }
            return KVM.IncreaseMemoryResponse(memorySize: try await Self.currentSize(domain).memoryBytes)
        }
    }

    /// `/vm/priority`: each VM's CPU shares (libvirt's scheduler) and its qemu process's OOM score. Every VM is
    /// tried; the reply names each one that could not be changed (the Python agent only logs those).
    public func updatePriority(_ command: KVM.UpdateVmPriorityCmd) async throws -> EmptyReply {
        var failures: [String] = []
        for priority in command.priorityConfigStructs ?? [] {
            guard let uuid = priority.vmUuid, !uuid.isEmpty else { failures.append("an entry without vmUuid"); continue }
            // Each part on its own, so a driver without CPU shares does not keep the OOM score from changing.
            if let score = priority.oomScoreAdj {
                do { try setOOMScore(score, vm: uuid) } catch { failures.append("vm \(uuid): \(error)") }
            }
            if let shares = priority.cpuShares {
                do {
                    guard shares > 0 else { throw KVMAgentError(.vm, "cpuShares must be positive, got \(shares)") }
                    try await withDomain(uuid) { try await $0.setCPUShares(UInt64(shares)) }
                } catch {
                    failures.append("vm \(uuid): cannot set cpu_shares \(shares): \(error)")
                }
            }
        }
        guard failures.isEmpty else {
            throw KVMAgentError(.vm, "cannot set the priority of \(failures.joined(separator: "; "))")
        }
        return EmptyReply()
    }

    /// libvirt writes each qemu process's pid to `<qemuRunDirectory>/<name>.pid`.
    private func setOOMScore(_ score: Int, vm uuid: String) throws {
        guard (-1000...1000).contains(score) else { throw KVMAgentError(.vm, "oomScoreAdj \(score) is not within -1000...1000") }
        // The uuid becomes a file name: nothing that could leave the pid directory.
        guard uuid.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
            throw KVMAgentError(.vm, "vmUuid '\(uuid)' is not a VM uuid (letters, digits and '-')")
        }
        let pidFile = qemuRunDirectory + "/" + uuid + ".pid"
        guard let text = try? Files.readText(pidFile), let pid = Int32(text.trimmingWhitespace()), pid > 0 else {
            throw KVMAgentError(.vm, "no qemu process: \(pidFile) is missing or holds no pid")
        }
        do {
            try Files.writeExisting(Array(String(score).utf8), to: "/proc/\(pid)/oom_score_adj")
        } catch {
            throw KVMAgentError(.vm, "cannot write /proc/\(pid)/oom_score_adj: \(error.detail)")
        }
    }

    /// vCPUs (`vcpu@current`, else the maximum) and current memory (bytes), from the live XML as the Python
    /// agent reads them.
    static func currentSize(_ domain: LibvirtDomain) async throws -> (cpus: Int, memoryBytes: Int64) {
        let document = try XMLTree(parsing: try await domain.xml(secure: false))
        func value(_ path: String) throws -> String? { try document.nodes(path).first?.stringValue }
        guard let cpus = try Int(value("/domain/vcpu/@current") ?? value("/domain/vcpu") ?? ""),
              let kib = try Int64(value("/domain/currentMemory") ?? value("/domain/memory") ?? "") else {
            throw KVMAgentError(.vm, "vm \(domain.name): the domain XML has no vCPU count or memory size")
        }
        return (cpus, kib * 1024)
    }
}
