import HostSystem
import Testing
import TestSupport

/// The ipset counterpart of the iptables trio: the rendered `ipset restore` input, and real sets in a
/// network namespace of their own (ipsets are per namespace), one referenced by an iptables rule; the
/// conntrack and IPv6 helpers the security groups use beside them.
@Suite struct IpsetTests {
    @Test func newSetsAreCreatedUnchangedOnesLeftAndChangedOnesSwappedIn() {
        var current = IpsetListing()
        current.sets["same"] = IpsetListing.Entry(type: "hash:net", family: "inet", references: 1, members: ["10.0.0.2", "10.0.0.1"])
        current.sets["changed-with-a-long-name-of-31c"] = IpsetListing.Entry(type: "hash:net", family: "inet6", members: ["fd00::1"])
        let script = IpsetRestoreScript.script(for: [
            IpsetSet(name: "new", family: .inet, members: ["10.0.0.0/24"]),
            IpsetSet(name: "same", family: .inet, members: ["10.0.0.1", "10.0.0.2"]),
            IpsetSet(name: "changed-with-a-long-name-of-31c", family: .inet6, members: ["fd00::2"]),
        ], current: current)
        #expect(script == """
            create new hash:net family inet
            add new 10.0.0.0/24 -exist
            create changed-with-a-long-name-o-tmp6 hash:net family inet6 -exist
            flush changed-with-a-long-name-o-tmp6
            add changed-with-a-long-name-o-tmp6 fd00::2 -exist
            swap changed-with-a-long-name-o-tmp6 changed-with-a-long-name-of-31c
            destroy changed-with-a-long-name-o-tmp6

            """)
        #expect(IpsetRestoreScript.script(for: [IpsetSet(name: "same", family: .inet, members: ["10.0.0.2", "10.0.0.1"])],
                                          current: current).isEmpty)
    }

    @Test func setsChangeInPlaceUnderAnIptablesRuleAndUnusedOnesAreDestroyed() async throws {
        try await NetworkNamespace.with(prefix: "fsgip-") { namespace in
            let ipsets = IpsetApplier(runner: ProcessRunner(networkNamespace: namespace.name))
            try await ipsets.apply([IpsetSet(name: "zstack-sg-t1", family: .inet, members: ["10.1.0.1", "10.2.0.0/16"]),
                                    IpsetSet(name: "zstack-sg6-t1", family: .inet6, members: ["FD00::1"])])
            try await namespace.check(["iptables", "-A", "INPUT", "-m", "set", "--match-set", "zstack-sg-t1", "src", "-j", "ACCEPT"])
            var listing = try await ipsets.list()
            let set = try #require(listing.sets["zstack-sg-t1"])
            #expect(set.type == "hash:net" && set.family == "inet" && set.references == 1)
            #expect(Set(set.members) == ["10.2.0.0/16", "10.1.0.1"], "the kernel lists members in its own order")
            #expect(listing.sets["zstack-sg6-t1"]?.members == ["fd00::1"] && listing.sets["zstack-sg6-t1"]?.family == "inet6")

            try await ipsets.apply([IpsetSet(name: "zstack-sg-t1", family: .inet, members: ["10.3.0.1"])])
            listing = try await ipsets.list()
            #expect(listing.sets["zstack-sg-t1"]?.members == ["10.3.0.1"])
            #expect(listing.sets["zstack-sg-t1"]?.references == 1, "the rule still matches the set, now with its new members")
            #expect(listing.sets.keys.allSatisfy { !$0.hasSuffix("-tmp4") }, "no temporary set is left")

            try await ipsets.destroy(["zstack-sg6-t1"])
            #expect(try await ipsets.list().sets["zstack-sg6-t1"] == nil)
            await #expect(throws: ProcessError.self, "the kernel keeps a set in use") { try await ipsets.destroy(["zstack-sg-t1"]) }
        }
    }

    /// conntrack exits 1 when nothing matched; that is a success. A bad address is not.
    @Test func conntrackDeletingNothingSucceedsAndABadCallFails() async throws {
        try await NetworkNamespace.with(prefix: "fsgct-") { namespace in
            let conntrack = Conntrack(runner: ProcessRunner(networkNamespace: namespace.name))
            try await conntrack.delete(.ipv4, destination: "10.9.9.9")
            try await conntrack.delete(.ipv6)
            await #expect(throws: ProcessError.self) { try await conntrack.delete(.ipv4, destination: "not-an-address") }
        }
    }

    @Test func ipv6AddressesAreCanonicalAndAnythingElseIsRefused() throws {
        #expect(try Validate.ipv6("FD00:0:0::1", "f") == "fd00::1")
        #expect(try Validate.ipv6("::ffff:10.0.0.1", "f") == "::ffff:10.0.0.1")
        for hostile in ["fd00::1%eth0", "fd00::1\u{0}x", "10.0.0.1", "fd00::1 -j ACCEPT", "", ":::", "fd00::1/64"] {
            #expect(throws: InvalidField.self, "\(hostile.debugDescription)") { try Validate.ipv6(hostile, "f") }
        }
    }
}
