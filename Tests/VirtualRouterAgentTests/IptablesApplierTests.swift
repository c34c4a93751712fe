import AgentWire
import HostSystem
import TestSupport
import Testing
@testable import VirtualRouterAgent

/// The applier's transaction against the real kernel: a table the kernel refuses cannot be sent over
/// HTTP (every command is validated first), so this drives the applier directly.
@Suite struct IptablesApplierTests {
    @Test func aRefusedNatTableAfterAnAppliedFilterTableChangesNothing() async throws {
        try await NetnsLab.with { lab in
            let configuration = RouterAgentHarness.configuration(lab)
            let router = VirtualRouter(configuration: configuration)
            try await router.configureNICs(WireJSON.decode(VR.ConfigureNicCmd.self, from: Array(RouterAgentHarness.configureNICs.utf8)))
            try await router.setSNAT(WireJSON.decode(VR.SetSNATCmd.self, from: Array(#"{"snat":\#(RouterAgentHarness.snat)}"#.utf8)))
            let before = try await lab.iptablesRules()
            var state = await router.state
            state.guardedNICs.insert("eth9")
            var (filter, nat) = IptablesRenderer.render(state)
            nat.add("snat-broken", "-j NO-SUCH-TARGET")
            let applier = IptablesApplier(runner: configuration.runner)
            let failure = await #expect(throws: ProcessError.self) {
                try await applier.apply((filter, nat), previous: IptablesRenderer.render(await router.state))
            }
            #expect(failure?.description.contains("iptables-restore --noflush -w` exited with status 2") == true)
            #expect(failure?.standardErrorTail.contains("NO-SUCH-TARGET") == true, "the error says what iptables said")
            #expect(try await lab.iptablesRules() == before)
            #expect(!before.contains { $0.contains("eth9-in") })
            await router.shutdown()
        }
    }
}
