import AgentWire
import Foundation
import KVMAgent
import TestSupport
import Testing

/// `/flatnetworkprovider/vipqos/*` over real HTTP, read back with `tc` in the EIP namespace.
@Suite struct VipQosRoutesHTTPTests {
    /// No other lab's: the agent finds the namespace to shape by its VIP alone.
    private static let vip = "10.79.0.110"

    private static func setting(port: Int, inbound: Int, outbound: Int) -> String {
        #"{"vipUuid":"\#(EipLab.eipUuid)","vip":"\#(vip)","port":\#(port),"inboundBandwidth":\#(inbound),"outboundBandwidth":\#(outbound)}"#
    }

    @Test func limitsAreInstalledIdempotentlyAndRemoved() async throws {
        try await EipRoutesHTTPTests.withAgent(tag: "q", vip: Self.vip) { lab, agent in
            let eip = lab.eipNamespace
            let inbound = "\(EipLab.tag)_i", outbound = "\(EipLab.tag)_ei"
            func show(_ what: String, _ device: String) async throws -> String {
                try await eip.check(["tc", "-s", what, "show", "dev", device])
            }
            let apply = #"{"vipQosSettings":[\#(Self.setting(port: 0, inbound: 1048576, outbound: 2097152)),\#(Self.setting(port: 80, inbound: 4194304, outbound: 0))]}"#

            let missing = try await EipRoutesHTTPTests.send(agent, KVM.Path.applyVipQos, apply)
            #expect(!missing.success && (missing.error ?? "").contains("namespace for VIP \(Self.vip) is not created"))

            try await EipRoutesHTTPTests.applyEip(lab, agent)
            let applied = try await EipRoutesHTTPTests.send(agent, KVM.Path.applyVipQos, apply)
            #expect(applied.success, "\(applied.error ?? "")")
            #expect(try await show("qdisc", inbound).contains("qdisc htb 1: root"))
            let classes = try await eip.check(["tc", "class", "show", "dev", inbound])
            #expect(classes.contains("class htb 1:1 root") && classes.contains("rate 1048Kbit"), "\(classes)")
            #expect(classes.contains("class htb 1:2 root") && classes.contains("rate 4194Kbit"), "\(classes)")
            let filters = try await show("filter", inbound)
            #expect(filters.contains("flowid 1:2") && filters.contains("match 00000050/0000ffff at 20"), "\(filters)")
            let outboundClasses = try await eip.check(["tc", "class", "show", "dev", outbound])
            #expect(outboundClasses.contains("rate 2097Kbit") && !outboundClasses.contains("1:2"), "\(outboundClasses)")

            // Applying again replaces each limit by itself.
            let plainFilters = try await eip.check(["tc", "filter", "show", "dev", inbound])
            let again = try await EipRoutesHTTPTests.send(agent, KVM.Path.applyVipQos, apply)
            #expect(again.success, "\(again.error ?? "")")
            // The same classes; only the handles tc gives the recreated leaf queues differ.
            func withoutLeaves(_ text: String) -> String {
                text.split(separator: "\n").map { line in
                    let words = line.split(separator: " ")
                    return words.enumerated().filter { $0.element != "leaf" && ($0.offset == 0 || words[$0.offset - 1] != "leaf") }
                        .map(\.element).joined(separator: " ")
                }.joined(separator: "\n")
            }
            #expect(withoutLeaves(try await eip.check(["tc", "class", "show", "dev", inbound])) == withoutLeaves(classes))
            #expect(try await eip.check(["tc", "filter", "show", "dev", inbound]) == plainFilters)

            let deletePort = #"{"vipQosSettings":[\#(Self.setting(port: 80, inbound: 4194304, outbound: 0))]}"#
            for _ in 0..<2 {
                let deleted = try await EipRoutesHTTPTests.send(agent, KVM.Path.deleteVipQos, deletePort)
                #expect(deleted.success, "\(deleted.error ?? "")")
            }
            let left = try await eip.check(["tc", "class", "show", "dev", inbound])
            #expect(left.contains("class htb 1:1 root") && !left.contains("1:2"), "\(left)")
            #expect(!(try await show("filter", inbound)).contains("flowid 1:2"))

            let deleteAll = #"{"vipQosSettings":[\#(Self.setting(port: 0, inbound: 0, outbound: 0))]}"#
            for _ in 0..<2 {
                let all = try await EipRoutesHTTPTests.send(agent, KVM.Path.deleteAllVipQos, deleteAll)
                #expect(all.success, "\(all.error ?? "")")
            }
            for device in [inbound, outbound] { #expect(!(try await show("qdisc", device)).contains("htb")) }

            let refused = try await EipRoutesHTTPTests.send(agent, KVM.Path.applyVipQos,
                                                            #"{"vipQosSettings":[\#(Self.setting(port: 70000, inbound: 1, outbound: 1))]}"#)
            #expect(!refused.success && (refused.error ?? "").contains("vipQosSettings[0].port"))

            // Gone with the EIP: deleting succeeds.
            let eipDeleted = try await EipRoutesHTTPTests.send(agent, KVM.Path.deleteEip, #"{"eip":\#(lab.eipTO())}"#)
            #expect(eipDeleted.success)
            let afterEip = try await EipRoutesHTTPTests.send(agent, KVM.Path.deleteVipQos, deletePort)
            #expect(afterEip.success, "\(afterEip.error ?? "")")
        }
    }
}
