import AgentWire

/// The guest CPU layout from `socketNum`, `cpuOnSocket` and `threadsPerCore`.
///
/// ZStack sends `cpuOnSocket` either as cores per socket or as vCPUs per socket (cores × threads); both
/// are accepted when they multiply out to `cpuNum`, anything else is refused instead of letting libvirt
/// fail later with a less helpful message.
struct CPUTopology {
    var sockets: Int
    var cores: Int
    var threads: Int
    /// False when the MN gave no topology: libvirt then uses one socket per vCPU.
    var isExplicit: Bool

    init(_ command: KVM.StartVmCmd, cpus: Int) throws(KVMAgentError) {
        threads = max(command.threadsPerCore ?? 1, 1)
        guard let sockets = command.socketNum, let perSocket = command.cpuOnSocket else {
            self.sockets = cpus
            cores = 1
            threads = 1
            isExplicit = false
            return
        }
        guard sockets > 0, perSocket > 0 else {
            throw KVMAgentError(.domainXML, "socketNum (\(sockets)) and cpuOnSocket (\(perSocket)) must be positive")
        }
        self.sockets = sockets
        isExplicit = true
        // Checked products: the numbers come from the request, and a trap would kill the agent.
        let (perSocketTotal, overflowA) = sockets.multipliedReportingOverflow(by: perSocket)
        let (allThreads, overflowB) = perSocketTotal.multipliedReportingOverflow(by: threads)
        if overflowA || overflowB {
            throw KVMAgentError(.domainXML, "socketNum \(sockets) × cpuOnSocket \(perSocket) × threadsPerCore \(threads) is out of range")
        }
        if allThreads == cpus {
            cores = perSocket
        } else if perSocketTotal == cpus, perSocket % threads == 0 {
            cores = perSocket / threads
        } else {
            throw KVMAgentError(.domainXML, """
                socketNum \(sockets) × cpuOnSocket \(perSocket) × threadsPerCore \(threads) does not match \
                cpuNum \(cpus)
                """)
        }
    }

    func write(into xml: inout XMLWriter, cpuMode: String?) throws(KVMAgentError) {
        let mode: String?
        switch cpuMode ?? "none" {
        case "none", "custom": mode = nil
        case "host-model", "host-passthrough": mode = cpuMode
        case let other: throw KVMAgentError(.domainXML, "nestedVirtualization '\(other)' is not none, host-model or host-passthrough")
        }
        guard isExplicit || mode != nil else { return }
        try xml.element("cpu", ["mode": mode]) { cpu throws(KVMAgentError) in
            if isExplicit {
                cpu.empty("topology", ["sockets": String(sockets), "cores": String(cores), "threads": String(threads)])
            }
        }
    }
}
