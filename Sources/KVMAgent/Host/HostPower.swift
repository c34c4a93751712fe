import HostSystem
import Logging

/// `/host/shutdown` and `/host/reboot` as ZStack's Python agent does them: the reply goes first, and a
/// second later the configured program powers the host off or reboots it (`init 0`, `shutdown -r now`),
/// so that the MN hears the success before the agent goes down with the host. The program is checked
/// before replying, so a host that cannot be powered off says so instead of answering success for nothing.
///
/// The Python agent sends no `/kvm/reporthoststop` here: that event comes from the host's shutdown hook
/// (`kvmagent/ansible/shutdown_vm`), on any shutdown, not from this command.
struct HostPower: Sendable {
    enum Action: String, Sendable {
        case shutdown = "shut down"
        case reboot
    }

    let shutdownCommand: [String]
    let rebootCommand: [String]
    let runner: ProcessRunner
    /// How long after the reply the program runs.
    var delay: Duration = .seconds(1)

    /// - Throws: `KVMAgentError` when the program is not configured or not installed; nothing ran.
    func schedule(_ action: Action, logger: Logger) throws {
        let argv = action == .shutdown ? shutdownCommand : rebootCommand
        guard let program = argv.first, !program.isEmpty else {
            throw KVMAgentError(.host, "cannot \(action.rawValue) this host: no program is configured for it")
        }
        guard let executable = ExecutableLookup.path(of: program) else {
            throw KVMAgentError(.host, "cannot \(action.rawValue) this host: \(program) is not installed")
        }
        logger.notice("host power operation in \(delay)", metadata: ["action": "\(action)", "argv": "\(argv)"])
        Task.detached { [runner, delay] in
            try? await Task.sleep(for: delay)
            do {
                try await runner.run(executable, Array(argv.dropFirst()), timeout: .seconds(300))
            } catch {
                logger.error("host power operation failed", metadata: ["action": "\(action)", "error": "\(error)"])
            }
        }
    }
}
