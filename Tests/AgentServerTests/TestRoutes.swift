import AgentServer
import AgentWire
import Synchronization

/// Named signals a test opens to let a waiting handler finish, so it can observe what happens meanwhile.
final class Gates: Sendable {
    private let state = Mutex<(open: Set<String>, waiters: [String: [CheckedContinuation<Void, Never>]])>(([], [:]))

    func wait(_ name: String) async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state in
                if state.open.contains(name) { return true }
                state.waiters[name, default: []].append(continuation)
                return false
            }
            if ready { continuation.resume() }
        }
    }

    func open(_ name: String) {
        let waiters = state.withLock { state in
            state.open.insert(name)
            return state.waiters.removeValue(forKey: name) ?? []
        }
        waiters.forEach { $0.resume() }
    }
}

struct ProbeCommand: Codable, Sendable {
    var value: Int?
    var flag: Bool?
    var name: String?
    var gate: String?
    var fail: String?
}

struct ProbeReply: AgentReply, Equatable {
    var success = true
    var error: String?
    var value: Int?
    var flag: Bool?
    var name: String?
}

struct ProbeError: Error, CustomStringConvertible {
    let description: String
}

/// Commands that exercise the runtime: echo their fields, wait on a gate, fail on request, overrun a timeout.
struct ProbeRoutes: CommandRoutes {
    let gates: Gates

    func register(in registry: inout CommandRegistry) {
        registry.sync("/test/sync", probe)
        registry.async("/test/async", probe)
        registry.async("/test/slow", timeout: .milliseconds(300)) { (_: EmptyCommand, _) -> EmptyReply in
            try await Task.sleep(for: .seconds(30))
            return EmptyReply()
        }
        registry.sync("/test/connect") { (command: KVM.ConnectCmd, context) -> EmptyReply in
            try context.events.setURL(command.sendCommandUrl)
            return EmptyReply()
        }
        registry.async("/test/notify") { (command: ProbeCommand, context) -> EmptyReply in
            try await context.events.push("/test/happened", command)
            return EmptyReply()
        }
    }

    private func probe(_ command: ProbeCommand, _ context: CommandContext) async throws -> ProbeReply {
        if let gate = command.gate {
            // Tests wait for "entered:<gate>" to know the command holds its slot.
            gates.open("entered:" + gate)
            await gates.wait(gate)
        }
        if let message = command.fail { throw ProbeError(description: message) }
        return ProbeReply(value: command.value, flag: command.flag, name: command.name)
    }
}
