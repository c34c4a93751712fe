import HostSystem

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The `ip link` commands the bridge routes need, run with argv through `ProcessRunner`, optionally inside a
/// network namespace (`ip -n <ns>`), which is how the tests give the agent a host of its own.
struct IPLink: Sendable {
    /// One interface as `ip -j -d link show` describes it; only the fields the bridge routes read.
    struct Link: Decodable, Sendable, Equatable {
        struct Info: Decodable, Sendable, Equatable {
            struct VlanData: Decodable, Sendable, Equatable {
                var id: Int?
            }

            var kind: String?
            var vlan: VlanData?

            enum CodingKeys: String, CodingKey {
                case kind = "info_kind"
                case data = "info_data"
            }

            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                kind = try container.decodeIfPresent(String.self, forKey: .kind)
                // info_data's shape depends on the kind; only a VLAN's is read.
                vlan = kind == "vlan" ? try container.decodeIfPresent(VlanData.self, forKey: .data) : nil
            }
        }

        var ifname: String
        /// The MAC address.
        var address: String?
        var flags: [String]?
        var mtu: Int?
        /// The bridge (or bond) this interface is a port of.
        var master: String?
        /// For a VLAN interface: its parent.
        var link: String?
        var linkinfo: Info?

        var kind: String? { linkinfo?.kind }
        var isBridge: Bool { kind == "bridge" }
        var isUp: Bool { flags?.contains("UP") ?? false }
        var vlanID: Int? { linkinfo?.vlan?.id }
    }

    /// One address of an interface as `ip -j addr show` describes it.
    struct Address: Decodable, Sendable, Equatable {
        /// `inet` or `inet6`.
        var family: String?
        var local: String?
        var prefixlen: Int?
        /// `global` for the addresses other hosts reach (Python's iproute2 says "universe").
        var scope: String?
    }

    private struct AddressedLink: Decodable {
        var ifname: String
        var addr_info: [Address]?
    }

    let runner: ProcessRunner
    /// nil runs in the agent's own namespace.
    let namespace: String?

    /// Every interface, by name.
    func links() async throws -> [String: Link] {
        let output = try await ip(["-j", "-d", "link", "show"])
        let links = try JSONDecoder().decode([Link].self, from: Data(output.standardOutput))
        return Dictionary(links.map { ($0.ifname, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The addresses of every interface, or of `device` only, by interface name.
    func addresses(device: String? = nil) async throws -> [String: [Address]] {
        let output = try await ip(["-j", "addr", "show"] + (device.map { ["dev", $0] } ?? []))
        let links = try JSONDecoder().decode([AddressedLink].self, from: Data(output.standardOutput))
        return Dictionary(links.map { ($0.ifname, $0.addr_info ?? []) }, uniquingKeysWith: { first, _ in first })
    }

    func setNoMaster(_ name: String) async throws {
        try await ip(["link", "set", "dev", name, "nomaster"])
    }

    func addBridge(_ name: String) async throws {
        // ZStack's bridges forward at once and run no STP, as the Python agent sets them (`brctl setfd 0`,
        // `brctl stp off`): the L2 network is the operator's, not the bridge's, to loop-protect.
        try await ip(["link", "add", "name", name, "type", "bridge", "forward_delay", "0", "stp_state", "0"])
    }

    func addVlan(_ name: String, parent: String, id: Int) async throws {
        try await ip(["link", "add", "link", parent, "name", name, "type", "vlan", "id", String(id)])
    }

    func setMaster(_ name: String, bridge: String) async throws {
        try await ip(["link", "set", "dev", name, "master", bridge])
    }

    func setUp(_ name: String) async throws {
        try await ip(["link", "set", "dev", name, "up"])
    }

    func setMTU(_ name: String, _ mtu: Int) async throws {
        try await ip(["link", "set", "dev", name, "mtu", String(mtu)])
    }

    func delete(_ name: String) async throws {
        try await ip(["link", "delete", "dev", name])
    }

    /// Runs `ip` with `arguments` in this namespace; the flat network's links (`IPLink+FlatNetwork.swift`,
    /// `EipLinkCommands.swift`) use it too.
    @discardableResult
    func ip(_ arguments: [String]) async throws -> ProcessOutput {
        try await runner.run("ip", (namespace.map { ["-n", $0] } ?? []) + arguments, timeout: .seconds(30))
    }
}
