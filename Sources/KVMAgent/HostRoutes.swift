import AgentServer
import AgentWire

/// `/host/*`: the MN's handshake with the agent (echo, connect, ping, configuration update).
struct HostRoutes: CommandRoutes {
    let identity: HostIdentity

    func register(in registry: inout CommandRegistry) {
        registry.syncRaw("/host/echo") { _, _ in [] }
        registry.sync("/host/connect", connect)
        registry.async("/host/ping", ping)
        registry.async("/host/update/configuration", updateConfiguration)
    }

    private func connect(_ command: ConnectCmd, _ context: CommandContext) async throws -> ConnectResponse {
        identity.update {
            $0.hostUuid = command.hostUuid
            $0.sendCommandUrl = command.sendCommandUrl
            $0.version = command.version
        }
        context.events.setURL(command.sendCommandUrl)
        return ConnectResponse()
    }

    private func ping(_ command: PingCmd, _ context: CommandContext) async throws -> PingResponse {
        let known = identity.snapshot
        return PingResponse(hostUuid: known.hostUuid, sendCommandUrl: known.sendCommandUrl, version: known.version)
    }

    private func updateConfiguration(_ command: UpdateHostConfigurationCmd, _ context: CommandContext) async throws -> EmptyReply {
        identity.update { $0.sendCommandUrl = command.sendCommandUrl }
        context.events.setURL(command.sendCommandUrl)
        return EmptyReply()
    }
}
