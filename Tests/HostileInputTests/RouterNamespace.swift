import TestSupport

/// A network namespace for the virtual router's tools (`--netns`), with two NICs carrying the corpus
/// MACs and no link to the outside: whatever the fuzzer makes the router configure stays in it.
enum RouterNamespace {
    static func with<T>(_ body: (NetworkNamespace) async throws -> T) async throws -> T {
        try await NetworkNamespace.with(prefix: "hfz-") { namespace in
            for (nic, mac) in [("eth1", VRCorpus.privateMAC), ("eth2", VRCorpus.publicMAC)] {
                try await namespace.addNIC(nic, address: mac)
                try await namespace.ip(["link", "set", nic, "up"])
                try await namespace.ip(["link", "set", nic + "p", "up"])
            }
            return try await body(namespace)
        }
    }
}
