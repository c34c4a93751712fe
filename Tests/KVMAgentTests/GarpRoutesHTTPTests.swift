import AgentWire
import Foundation
import KVMAgent
import TestSupport
import Testing

/// `/flatnetworkprovider/garp/*` over real HTTP: an applied address is announced, seen in the ARP table of a
/// peer on the public bridge.
@Suite struct GarpRoutesHTTPTests {
    @Test func applyAnnouncesTheAddressReleaseAndSettingsSucceed() async throws {
        try await EipRoutesHTTPTests.withAgent(tag: "g") { lab, agent in
            try await EipRoutesHTTPTests.applyEip(lab, agent)
            let publicInner = "\(EipLab.tag)_ei"
            let mac = try await lab.eipNamespace.check(["cat", "/sys/class/net/\(publicInner)/address"])
                .trimmingCharacters(in: .whitespacesAndNewlines)
            // The peer learns from unsolicited ARP, and forgets what the EIP's own announcement taught it.
            try await lab.publicSide.check(["sysctl", "-qw", "net.ipv4.conf.eth0.arp_accept=1"])
            try await lab.publicSide.ip(["neigh", "flush", "dev", "eth0"])
            #expect(!(try await lab.publicSide.check(["ip", "neigh", "show", EipLab.vip])).contains(mac))

            let info = #"{"ip":"\#(EipLab.vip)","mac":"\#(mac)","namespace":"\#(lab.eipNamespace.name)","bridgeName":"\#(lab.publicBridge)"}"#
            let applied = try await EipRoutesHTTPTests.send(agent, KVM.Path.applyGratuitousArp,
                                                            #"{"rebuild":true,"interval":5,"state":true,"infos":[\#(info)]}"#)
            #expect(applied.success, "\(applied.error ?? "")")
            let learnt = try await eventually(within: .seconds(10)) {
                try await lab.publicSide.check(["ip", "neigh", "show", EipLab.vip]).contains("lladdr \(mac)")
            }
            #expect(learnt)

            let settings = try await EipRoutesHTTPTests.send(agent, KVM.Path.gratuitousArpSettings, #"{"interval":10,"state":false}"#)
            #expect(settings.success, "\(settings.error ?? "")")
            for _ in 0..<2 {
                let released = try await EipRoutesHTTPTests.send(agent, KVM.Path.releaseGratuitousArp, #"{"infos":[\#(info)]}"#)
                #expect(released.success, "\(released.error ?? "")")
            }

            for (body, field) in [(#"{"infos":[{"ip":"10.79.0.1000","mac":"\#(mac)","bridgeName":"b"}]}"#, "infos[0].ip"),
                                  (#"{"infos":[{"ip":"10.79.0.1","mac":"\#(mac)","namespace":"x;reboot","bridgeName":"b"}]}"#, "infos[0].namespace"),
                                  (#"{"interval":-1,"infos":[]}"#, "interval")] {
                let refused = try await EipRoutesHTTPTests.send(agent, KVM.Path.applyGratuitousArp, body)
                #expect(!refused.success && (refused.error ?? "").contains(field), "\(field): \(refused.error ?? "success")")
            }
        }
    }
}
