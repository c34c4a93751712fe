import AgentClient
import AgentWire
import ArgumentParser
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
    @Option(help: "Agent base URL.")
    var agent = "http://127.0.0.1:\(AgentPort.kvm)"
}

extension AgentCtl {
    struct Echo: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Echo the agent every second until it answers.")
        @OptionGroup var options: AgentOptions
        @Option(help: "Echo path.") var path = "/host/echo"
        @Option(help: "Seconds to keep trying.") var timeout = 60

        func run() async throws {
            try await AgentClient(baseURL: options.agent).waitForEcho(path, timeout: .seconds(timeout))
            print("echo \(options.agent)\(path): ok")
        }
    }

    struct Sync: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send a sync command; print the JSON reply.")
        @OptionGroup var options: AgentOptions
        @Argument(help: "Command path, e.g. /host/connect.") var path: String
        @Argument(help: "Command JSON.") var body = "{}"

        func run() async throws {
            let reply = try await AgentClient(baseURL: options.agent).sync(path, try parseCommand(body), as: JSONValue.self)
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
            let client = AgentClient(baseURL: options.agent)
            var quiet = Logger(label: "zstack.agentctl")
            quiet.logLevel = .warning
            let reply = try await ManagementNodeEndpoint.run(host: callbackHost, logger: quiet) { endpoint in
                try await client.async(path, command, as: JSONValue.self, via: endpoint, timeout: .seconds(timeout))
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
