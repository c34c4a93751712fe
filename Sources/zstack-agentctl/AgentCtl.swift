import AgentClient
import AgentWire
import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging

/// Talks to an agent by hand, as the management node would: for operators, the demo and debugging.
@main
struct AgentCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zstack-agentctl",
        abstract: "Send ZStack agent commands (sync or async) and print the replies.",
        subcommands: [Echo.self, Sync.self, Async.self])
}

struct AgentOptions: ParsableArguments {
    @Option(help: "Agent base URL (https:// for agents in mtls mode).")
    var agent = "http://127.0.0.1:\(KVM.defaultPort)"

    @Option(help: "Client certificate for agents in mtls mode (zstack-deploy ca show names it).")
    var tlsCert: String?
    @Option(help: "Its private key.")
    var tlsKey: String?
    @Option(help: "CA bundle the agent's certificate must chain to.")
    var tlsCa: String?
    @Option(help: "File holding the bearer token, for agents in token mode.")
    var tokenFile: String?

    func validate() throws {
        let tls = [tlsCert, tlsKey, tlsCa].compactMap { $0 }
        guard tls.isEmpty || tls.count == 3 else { throw ValidationError("--tls-cert, --tls-key and --tls-ca go together") }
        guard tls.isEmpty || agent.hasPrefix("https://") else { throw ValidationError("with TLS files, --agent must be an https:// URL") }
    }

    /// A client for the agent with the credentials given; `shutdown` is called after `body`.
    func withClient<T: Sendable>(_ body: (AgentClient) async throws -> T) async throws -> T {
        let authorization = try tokenFile.map { path in
            guard let text = FileManager.default.contents(atPath: path).map({ String(decoding: $0, as: UTF8.self) }) else {
                throw ValidationError("cannot read the token file \(path)")
            }
            return "Bearer " + text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard let tlsCert, let tlsKey, let tlsCa else {
            return try await body(AgentClient(baseURL: agent, authorization: authorization))
        }
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: HTTPClient.Configuration(
            tlsConfiguration: try AgentClientTLS.configuration(certificatePath: tlsCert, keyPath: tlsKey, trustBundlePath: tlsCa)))
        do {
            let result = try await body(AgentClient(baseURL: agent, http: http, authorization: authorization))
            try await http.shutdown()
            return result
        } catch {
            try? await http.shutdown()
            throw error
        }
    }
}

extension AgentCtl {
    struct Echo: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Echo the agent every second until it answers.")
        @OptionGroup var options: AgentOptions
        @Option(help: "Echo path.") var path = KVM.echoPath
        @Option(help: "Seconds to keep trying.") var timeout = 60

        func run() async throws {
            try await options.withClient { try await $0.waitForEcho(path, timeout: .seconds(timeout)) }
            print("echo \(options.agent)\(path): ok")
        }
    }

    struct Sync: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send a sync command; print the JSON reply.")
        @OptionGroup var options: AgentOptions
        @Argument(help: "Command path, e.g. /host/connect.") var path: String
        @Argument(help: "Command JSON.") var body = "{}"

        func run() async throws {
            let command = try parseCommand(body)
            let reply = try await options.withClient { try await $0.sync(path, command, as: JSONValue.self) }
            print(try render(reply))
        }
    }

    struct Async: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send an async command; receive its callback on a local port and print the JSON reply.")
        @OptionGroup var options: AgentOptions
        @Argument(help: "Command path, e.g. /host/ping.") var path: String
        @Argument(help: "Command JSON.") var body = "{}"
        @Option(help: "Address the agent can reach this machine on, for the callback.") var callbackHost = "127.0.0.1"
        @Option(help: "Seconds to wait for the callback.") var timeout = 300

        func run() async throws {
            let command = try parseCommand(body)
            var quiet = Logger(label: "zstack.agentctl")
            quiet.logLevel = .warning
            let reply = try await ManagementNodeEndpoint.run(host: callbackHost, logger: quiet) { endpoint in
                try await options.withClient { client in
                    try await client.async(path, command, as: JSONValue.self, via: endpoint, timeout: .seconds(timeout))
                }
            }
            print(try render(reply))
        }
    }
}

private func parseCommand(_ text: String) throws -> JSONValue {
    do {
        return try WireJSON.decode(JSONValue.self, from: Array(text.utf8))
    } catch {
        throw ValidationError("command body is not JSON: \(error)")
    }
}

private func render(_ value: JSONValue) throws -> String {
    String(decoding: try WireJSON.encode(value), as: UTF8.self)
}
