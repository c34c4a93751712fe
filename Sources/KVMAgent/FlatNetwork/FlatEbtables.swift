import HostSystem

/// The flat network's ebtables rules in the host's namespace, as mevoco.py adds them one by one, rendered
/// here per chain and applied with `ebtables-restore --noflush` in one transaction per table
/// (`IptablesApplier`, ebtables front end), every chain owned by its exact name so rules of other L3
/// networks, libvirt's and the security groups' are never touched.
///
/// - `ZSTACK-<dhcp server>` (filter, from FORWARD): the DHCP server's ARP and DHCP itself never cross the
///   bridge's uplink, so each host answers its own VMs only and no other DHCP server reaches them.
/// - `USERDATA-<bridge>-<l3>` (nat, from PREROUTING on the bridge): frames from the L3 network's VMs to
///   169.254.169.254 are redirected to the inner end's MAC, wherever the guest sent them (its gateway);
///   (filter, from FORWARD for ARP about 169.254.169.254): that ARP never crosses the uplink.
enum FlatEbtables {
    static func dhcp(server: IPv4Address, uplink: String, owning chains: Set<String>) -> IptablesRuleSet {
        let chain = FlatNames.dhcpChain(server)
        var rules = IptablesRuleSet(table: "filter", ownership: IptablesChainOwnership(prefixes: [], names: chains))
        for direction in ["-o", "-i"] {
            rules.add(chain, "-p ARP \(direction) \(uplink) --arp-ip-dst \(server) -j DROP")
            rules.add(chain, "-p ARP \(direction) \(uplink) --arp-ip-src \(server) -j DROP")
            rules.add(chain, "-p IPv4 \(direction) \(uplink) --ip-proto udp --ip-sport 67:68 -j DROP")
        }
        rules.add(chain, "-j RETURN")
        rules.jump(from: "FORWARD", "", to: chain)
        return rules
    }

    /// Removes `chains` and the jumps to them from `table`.
    static func removal(table: String, _ chains: Set<String>) -> IptablesRuleSet {
        IptablesRuleSet(table: table, ownership: IptablesChainOwnership(prefixes: [], names: chains))
    }

    /// The userdata chains of one namespace. `bridgeScoped` false leaves out `--logical-in`, for kernels
    /// without nft's bridge meta match (`CONFIG_NFT_BRIDGE_META`), where ebtables refuses it: the redirect
    /// then applies to these addresses on every bridge of the host.
    static func userdata(chain: String, bridge: String, uplink: String, networks: [String], innerMAC: String,
                         bridgeScoped: Bool) -> (filter: IptablesRuleSet, nat: IptablesRuleSet) {
        let ownership = IptablesChainOwnership(prefixes: [], names: [chain])
        var nat = IptablesRuleSet(table: "nat", ownership: ownership)
        for network in networks {
            nat.add(chain, "-p IPv4 --ip-src \(network) --ip-dst \(FlatNames.metadataAddress) -j dnat --to-dst \(innerMAC) --dnat-target ACCEPT")
        }
        nat.add(chain, "-j RETURN")
        nat.jump(from: "PREROUTING", bridgeScoped ? "--logical-in \(bridge)" : "", to: chain)
        var filter = IptablesRuleSet(table: "filter", ownership: ownership)
        filter.add(chain, "-i \(uplink) -j DROP")
        filter.add(chain, "-o \(uplink) -j DROP")
        filter.add(chain, "-j RETURN")
        filter.jump(from: "FORWARD", "-p ARP --arp-ip-dst \(FlatNames.metadataAddress)", to: chain)
        return (filter, nat)
    }
}
