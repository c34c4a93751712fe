import HostSystem
import AgentWire
import Foundation
import Testing
@testable import VirtualRouterAgent

/// `/lb/refresh` and `/lb/delete`: one haproxy per listener in the router namespace, in front of a web
/// server in the guest.
@Suite struct LoadBalancerIntegrationTests {
    static let listener = #"""
        {"lbs":[{"lbUuid":"lb1","listenerUuid":"ls1","vip":"192.168.50.10","nicIps":["10.0.0.10"],"instancePort":8080,
          "loadBalancerPort":80,"mode":"http","parameters":["balancerAlgorithm::roundrobin","healthCheckTarget::tcp:default"]}]}
        """#

    /// The HTTP status through the VIP, retried for a few seconds while the web server and haproxy's
    /// first health check come up ("000" when nothing answers).
    static func get(_ lab: NetnsLab, _ url: String, from client: CommandRunner? = nil, tries: Int = 30) async throws -> String {
        var status = ""
        for _ in 0..<tries {
            status = try await (client ?? lab.publicRunner).run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                                                     "--max-time", "1", url]).stdout
            if status == "200" { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        return status
    }

    @Test func haproxyPerListenerServesAndIsRemoved() async throws {
        try await NetnsLab.with { lab in
            let router = try await NATIntegrationTests.routedLab(lab)
            try await router.createVIPs(NATIntegrationTests.decode(VR.CreateVipCmd.self, NATIntegrationTests.vip))
            let web = Task { try await lab.guestRunner.run(["python3", "-m", "http.server", "8080", "--bind", "10.0.0.10"]) }
            defer { web.cancel() }
            // haproxy's first health check must find the server up, or it waits `rise` intervals.
            #expect(try await Self.get(lab, "http://10.0.0.10:8080/", from: lab.routerRunner) == "200")

            try await router.refreshLBs(NATIntegrationTests.decode(VR.RefreshLbCmd.self, Self.listener))
            let pidFile = lab.root + "/run/haproxy-lb1-ls1.pid"
            let pid = try #require(DaemonProcess.running(pidFile: pidFile, command: "haproxy"))
            #expect((try? Files.readText(lab.root + "/etc/haproxy/lb1-ls1.cfg"))?.contains("bind 192.168.50.10:80") == true)
            #expect(try await lab.routerRunner.check(["iptables-save", "-t", "filter"])
                .contains("-A lb-192-168-50-10-80 -p tcp -m tcp --dport 80 -j ACCEPT"))
            let status = try await Self.get(lab, "http://192.168.50.10/")
            #expect(status == "200")

            // Same listener again: nothing to change, same process.
            try await router.refreshLBs(NATIntegrationTests.decode(VR.RefreshLbCmd.self, Self.listener))
            #expect(DaemonProcess.running(pidFile: pidFile, command: "haproxy") == pid)

            try await router.deleteLBs(NATIntegrationTests.decode(VR.DeleteLbCmd.self, Self.listener))
            _ = await DaemonProcess.wait(for: .seconds(5)) { !DaemonProcess.isAlive(pid) }
            #expect(!DaemonProcess.isAlive(pid))
            #expect((try? Files.readText(lab.root + "/etc/haproxy/lb1-ls1.cfg")) == nil)
            #expect(!(try await lab.routerRunner.check(["iptables-save"])).contains("lb-"))
            #expect(try await Self.get(lab, "http://192.168.50.10/", tries: 1) == "000")
        }
    }
}
