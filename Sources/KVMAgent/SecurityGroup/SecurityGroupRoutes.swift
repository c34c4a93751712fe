import AgentServer
import AgentWire

/// `/securitygroup/*`: the security-group rules of the host's VM NICs (`KVMSecurityGroupBackend`). All
/// async, as the Python agent registers them; every reply is the envelope, which is all the MN reads. A
/// command is validated completely before anything changes.
struct SecurityGroupRoutes: CommandRoutes {
    let firewall: SecurityGroupFirewall

    func register(in registry: inout CommandRegistry) {
        registry.async(KVM.Path.applySecurityGroupRules) { (command: KVM.ApplySecurityGroupRuleCmd, _) in
            try await firewall.apply(SecurityGroupPlan(validating: command), refresh: false)
            return EmptyReply()
        }
        registry.async(KVM.Path.refreshSecurityGroupRulesOnHost) { (command: KVM.ApplySecurityGroupRuleCmd, _) in
            try await firewall.apply(SecurityGroupPlan(validating: command), refresh: true)
            return EmptyReply()
        }
        registry.async(KVM.Path.updateSecurityGroupMembers) { (command: KVM.UpdateGroupMemberCmd, _) in
            try await firewall.updateMembers(GroupMembersUpdate.validating(command))
            return EmptyReply()
        }
        registry.async(KVM.Path.cleanupUnusedSecurityGroupRules) { (command: KVM.SecurityGroupHostCmd, _) in
            try await firewall.cleanup(skipIPv6: command.skipIpv6 ?? false)
            return EmptyReply()
        }
        registry.async(KVM.Path.checkDefaultSecurityGroupRules) { (command: KVM.SecurityGroupHostCmd, _) in
            try await firewall.checkDefaults(skipIPv6: command.skipIpv6 ?? false)
            return EmptyReply()
        }
    }
}
