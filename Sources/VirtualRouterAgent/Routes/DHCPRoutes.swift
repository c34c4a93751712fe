import AgentServer
import HostSystem
import AgentWire

/// dnsmasq: DHCP entries and upstream DNS servers.
struct DHCPRoutes: CommandRoutes {
    let router: VirtualRouter

    func register(in registry: inout CommandRegistry) {
        registry.async("/adddhcp") { (c: VR.AddDhcpEntryCmd, _) in try await router.addDHCP(c); return VR.EmptyRsp() }
        registry.async("/removedhcp") { (c: VR.RemoveDhcpEntryCmd, _) in try await router.removeDHCP(c); return VR.EmptyRsp() }
        registry.async("/setdns") { (c: VR.SetDnsCmd, _) in try await router.setDNS(c); return VR.EmptyRsp() }
        registry.async("/removedns") { (c: VR.RemoveDnsCmd, _) in try await router.removeDNS(c); return VR.EmptyRsp() }
    }
}
