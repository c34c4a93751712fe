/// Makes ipsets match what an agent wants with `ipset restore`, reading the current sets with `ipset list`.
/// ipsets belong to a network namespace, like iptables: give the runner the namespace the rules live in.
public struct IpsetApplier: Sendable {
    public let runner: ProcessRunner

    public init(runner: ProcessRunner) { self.runner = runner }

    public func list() async throws -> IpsetListing {
        IpsetListing.parse(try await runner.run("ipset", ["list"]).text)
    }

    /// Creates missing sets and swaps in new members for changed ones (`IpsetRestoreScript`).
    public func apply(_ sets: [IpsetSet]) async throws {
        guard !sets.isEmpty else { return }
        try await restore(IpsetRestoreScript.script(for: sets, current: try await list()))
    }

    /// Destroys sets; the caller passes only sets no rule references, or the kernel refuses.
    public func destroy(_ names: [String]) async throws {
        try await restore(IpsetRestoreScript.destroyScript(names))
    }

    private func restore(_ script: String) async throws {
        guard !script.isEmpty else { return }
        try await runner.run("ipset", ["restore"], input: Array(script.utf8))
    }
}
