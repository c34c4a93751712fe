import AgentClient
import AgentServer
import AgentWire
import HostSystem
import Logging
import TestSupport
import Testing
import VirtualRouterAgent

/// The virtual-router agent as the MN sees it: served in-process over real HTTP on loopback, replying to
/// async commands through callbacks to a management-node endpoint, its tools running in the lab's router
/// namespace and its files under the lab's root. Commands go as the JSON bodies ZStack's MN sends.
struct RouterAgentHarness: Sendable {
    let lab: NetnsLab
    let client: AgentClient
    let mn: ManagementNodeEndpoint

    /// Runs `body` against a fresh agent in a fresh lab; everything is torn down afterwards.
    static func with(reload: DnsmasqReload = .restart, _ body: @Sendable (RouterAgentHarness) async throws -> Void) async throws {
        try await NetnsLab.with { lab in
            try await ManagementNodeEndpoint.run { mn in
                try await RunningAgent.with(try agent(lab, reload: reload)) { agent in
                    try await body(RouterAgentHarness(lab: lab, client: agent.client, mn: mn))
                }
            }
        }
    }

    /// The router for `lab`, configured as `zstack-virtualrouter --root <lab root> --netns <router>` would
    /// be: the one place the tests name the router's configuration.
    static func configuration(_ lab: NetnsLab, reload: DnsmasqReload = .restart) -> VirtualRouter.Configuration {
        .init(paths: RouterPaths(root: lab.root), runner: ProcessRunner(defaultTimeout: .seconds(60), networkNamespace: lab.router.name),
              haproxyUser: nil, dnsmasqReload: reload)
    }

    static func agent(_ lab: NetnsLab, reload: DnsmasqReload = .restart) throws -> AgentServer {
        try buildVirtualRouterAgent(
            VirtualRouterAgentConfiguration(server: .test(), router: configuration(lab, reload: reload)),
            logger: Logger(label: "test.vr"))
    }

    /// Sends `json` to `path` as an async command and returns the callback's reply.
    func send(_ path: String, _ json: String) async throws -> EmptyReply {
        try await client.async(path, try WireJSON.decode(JSONValue.self, from: Array(json.utf8)), as: EmptyReply.self, via: mn)
    }

    /// Sends a command that has to succeed.
    func apply(_ path: String, _ json: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let reply = try await send(path, json)
        #expect(reply.success, "\(path): \(reply.error ?? "")", sourceLocation: sourceLocation)
    }

    /// The router's two NICs (found by MAC), as the MN configures them right after boot; the public one
    /// carries the default route.
    static let configureNICs = """
        {"nics":[{"ip":"10.0.0.1","mac":"\(NetnsLab.privateMAC)","netmask":"255.255.255.0","isDefaultRoute":false},
                 {"ip":"192.168.50.2","mac":"\(NetnsLab.publicMAC)","netmask":"255.255.255.0","gateway":"192.168.50.100",
                  "isDefaultRoute":true}]}
        """

    static let guestDHCP = """
        {"dhcpEntries":[{"ip":"10.0.0.10","mac":"\(NetnsLab.guestMAC)","netmask":"255.255.255.0","gateway":"10.0.0.1",
          "dns":["10.0.0.1"],"hostname":"web-1","vrNicMac":"\(NetnsLab.privateMAC)","dnsDomain":"zstack.org",
          "isDefaultL3Network":true}],"rebuild":false}
        """

    static let snat = """
        {"publicNicMac":"\(NetnsLab.publicMAC)","publicIp":"192.168.50.2","privateNicMac":"\(NetnsLab.privateMAC)",
         "privateNicIp":"10.0.0.1","snatNetmask":"255.255.255.0"}
        """

    static let vip = #"{"vips":[{"ip":"192.168.50.10","netmask":"255.255.255.0","ownerEthernetMac":"\#(NetnsLab.publicMAC)"}]}"#

    /// NICs configured and the guest addressed statically behind the router.
    func route() async throws {
        try await apply("/configurenic", Self.configureNICs)
        try await lab.addressGuest()
    }
}
