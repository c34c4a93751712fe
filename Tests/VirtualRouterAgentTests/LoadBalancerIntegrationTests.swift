import Foundation
import TestSupport
import Testing

/// `/lb/refresh` and `/lb/delete` over HTTP: one haproxy per listener in the router namespace, in front of
/// a web server in the guest.
@Suite struct LoadBalancerIntegrationTests {
    static let listener = #"""
        {"lbs":[{"lbUuid":"lb1","listenerUuid":"ls1","vip":"192.168.50.10","nicIps":["10.0.0.10"],"instancePort":8080,
          "loadBalancerPort":80,"mode":"http","parameters":["balancerAlgorithm::roundrobin","healthCheckTarget::tcp:default"]}]}
        """#

    /// The HTTP status through `url` from `client`, retried for a few seconds while the web server and
    /// haproxy's first health check come up ("000" when nothing answers).
    static func get(_ url: String, from client: NetworkNamespace, tries: Int = 30) async throws -> String {
        var status = ""
        for _ in 0..<tries {
            status = try await client.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "1", url]).output
            if status == "200" { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        return status
    }

    @Test func haproxyPerListenerServesAndIsRemoved() async throws {
        try await RouterAgentHarness.with { vr in
            let lab = vr.lab
            try await vr.route()
            try await vr.apply("/createvip", RouterAgentHarness.vip)
            let web = Task { try await lab.guest.run(["python3", "-m", "http.server", "8080", "--bind", "10.0.0.10"]) }
            defer { web.cancel() }
            // haproxy's first health check must find the server up, or it waits `rise` intervals.
            #expect(try await Self.get("http://10.0.0.10:8080/", from: lab.router) == "200")

            try await vr.apply("/lb/refresh", Self.listener)
            let pidFile = lab.root + "/run/haproxy-lb1-ls1.pid"
            let pid = try #require(Processes.running(pidFile: pidFile, command: "haproxy"))
            #expect(lab.file("etc/haproxy/lb1-ls1.cfg")?.contains("bind 192.168.50.10:80") == true)
            #expect(try await lab.router.check(["iptables-save", "-t", "filter"])
                .contains("-A lb-192-168-50-10-80 -p tcp -m tcp --dport 80 -j ACCEPT"))
            #expect(try await Self.get("http://192.168.50.10/", from: lab.publicSide) == "200")

            // Same listener again: nothing to change, same process.
            try await vr.apply("/lb/refresh", Self.listener)
            #expect(Processes.running(pidFile: pidFile, command: "haproxy") == pid)

            try await vr.apply("/lb/delete", Self.listener)
            #expect(await eventually(within: .seconds(5)) { !Processes.isAlive(pid) })
            #expect(lab.file("etc/haproxy/lb1-ls1.cfg") == nil)
            #expect(!(try await lab.router.check(["iptables-save"])).contains("lb-"))
            #expect(try await Self.get("http://192.168.50.10/", from: lab.publicSide, tries: 1) == "000")
        }
    }
}
