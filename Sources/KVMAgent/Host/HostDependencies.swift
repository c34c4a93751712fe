import AgentWire
import HostSystem
import Logging

/// `/host/updatedependency`, which every reconnect sends. ZStack's Python agent installs the packages
/// listed in `/var/lib/zstack/dependencies` there with yum or apt. This agent installs nothing: it is one
/// release tarball, and the packages it runs (qemu-img, iproute2, iptables, ipset, conntrack; libvirt it is
/// linked with) are installed by its playbook at deploy time. What it does instead is check that the programs it runs are
/// still installed, and fail naming the missing ones — which the MN shows as the reconnect's error — so
/// a host that lost one is repaired by redeploying rather than found out by the first command that fails.
///
/// The experimental-repository update (`enableExpRepo`, sent for a new host of a cluster that enables
/// it) is a yum operation the Python agent skips on apt hosts too; it is logged and not performed.
struct HostDependencies: Sendable {
    /// The programs the agent runs: qemu-img, ip, the iptables command's program, and the security groups'
    /// iptables-restore, ip6tables-restore, ipset and conntrack.
    let programs: [String]

    func check(_ command: KVM.UpdateDependencyCmd, logger: Logger) throws -> EmptyReply {
        if command.enableExpRepo == true {
            logger.notice("not updating host packages from the experimental repository: this agent installs no packages", metadata: [
                "updatePackages": "\(command.updatePackages ?? "")", "excludePackages": "\(command.excludePackages ?? "")",
            ])
        }
        let missing = programs.filter { ExecutableLookup.path(of: $0) == nil }
        guard missing.isEmpty else {
            throw KVMAgentError(.host, "programs this agent runs are missing: \(missing.joined(separator: ", ")); "
                + "redeploy the agent, whose playbook installs them (this agent installs no packages itself)")
        }
        logger.info("host dependencies present; nothing installed", metadata: ["programs": "\(programs)"])
        return EmptyReply()
    }
}
