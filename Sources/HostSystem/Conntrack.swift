/// Deletes connection-tracking entries with `conntrack -D`. Firewalls that accept the packets of tracked
/// flows (`--state RELATED,ESTABLISHED`) would otherwise let a flow their new rules refuse go on until it
/// ends; without its entry, the flow's next packet is judged by the rules as new. Entries are per network
/// namespace, like the rules: give the runner the namespace they live in.
public struct Conntrack: Sendable {
    public let runner: ProcessRunner

    public init(runner: ProcessRunner) { self.runner = runner }

    /// Deletes the family's entries of flows to `destination`, or all of them when it is nil. Deleting
    /// none is not an error (conntrack exits 1 for it, saying "0 flow entries have been deleted").
    /// - Throws: `ProcessError` when conntrack cannot run or fails otherwise.
    public func delete(_ family: IptablesFamily, destination: String? = nil) async throws {
        let arguments = ["-D", "-f", family == .ipv4 ? "ipv4" : "ipv6"] + (destination.map { ["-d", $0] } ?? [])
        let exit = try await runner.execute("conntrack", arguments)
        let said = String(decoding: exit.output.standardError, as: UTF8.self)
        switch exit.status {
        case .exited(0): return
        case .exited(1) where said.contains(" 0 flow entries have been deleted"): return
        case .exited(let status):
            throw ProcessError(argv: exit.argv, reason: .exited(status), standardError: exit.output.standardError)
        case .signalled(let signal):
            throw ProcessError(argv: exit.argv, reason: .signalled(signal), standardError: exit.output.standardError)
        }
    }
}
