import ArgumentParser
import Deployer
import Foundation

struct HostCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "host", abstract: "Add, remove and list managed hosts.",
        subcommands: [Add.self, Remove.self, List.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add hosts: install the deployer's key with the password, pin the host key, deploy the agent.")
        @OptionGroup var options: DeployOptions
        @Option(help: "The host's address.") var address: String?
        @Option(help: "SSH port.") var sshPort = 22
        @Option(help: "SSH user (not root: ansible uses sudo, unless --no-become).") var user = "root"
        @Option(help: "Agent kind: kvm, sftpbackupstorage, virtualrouter.") var kind = AgentKind.kvm
        @Option(help: "Agent port (default: the kind's ZStack port).") var agentPort: Int?
        @Option(help: "Display name.") var name: String?
        @Option(help: "Host uuid (default: a new one).") var uuid: String?
        @Option(help: "Log in with this private key (absolute path, a regular file of mode 600) instead of installing the deployer's key.")
        var privateKey: String?
        @Option(help: ArgumentHelp(
            "The host key's expected fingerprint, as `ssh-keygen -lf` prints it; a host offering another key is refused before any password is sent.",
            valueName: "SHA256:base64"))
        var hostKeyFingerprint: String?
        @Flag(help: "Read the SSH password from the first line of standard input.") var passwordStdin = false
        @Option(help: "Read the SSH password from this environment variable.") var passwordEnv: String?
        @Flag(help: "Keep the password in the inventory, to reinstall the key if it disappears.") var storePassword = false
        @Flag(inversion: .prefixedNo, help: "Become root with sudo (default: when the user is not root).") var become: Bool?
        @Option(name: .customLong("var"), help: "Host variable NAME=VALUE for its playbook runs (repeatable).") var variables: [String] = []
        @Option(help: "A JSON file with a list of hosts (address, sshPort, user, password, kind, agentPort, variables, hostKeyFingerprint...).")
        var from: String?
        @Flag(help: "Only add (bootstrap); deploy later with upgrade or reconnect.") var noDeploy = false
        @Flag(help: "Print the run as JSON.") var json = false

        func run() async throws {
            var inputs: [HostInput] = []
            if let from {
                let data = try Data(contentsOf: URL(fileURLWithPath: from))
                inputs = try JSONDecoder().decode([HostInput].self, from: data)
            }
            if let address {
                inputs.append(HostInput(
                    address: address, sshPort: sshPort, user: user, password: try password(), privateKeyPath: privateKey,
                    kind: kind, agentPort: agentPort, name: name, uuid: uuid, become: become,
                    storePassword: storePassword, variables: try parsedVariables(), hostKeyFingerprint: hostKeyFingerprint))
            }
            guard !inputs.isEmpty else { throw ValidationError("give --address or --from") }
            try await runWithProgress(try await options.deployer(), .add(inputs, deploy: !noDeploy), json: json)
        }

        private func password() throws -> String? {
            if passwordStdin { return readLine(strippingNewline: true) }
            if let passwordEnv {
                guard let value = ProcessInfo.processInfo.environment[passwordEnv] else {
                    throw ValidationError("environment variable \(passwordEnv) is not set")
                }
                return value
            }
            return nil
        }

        private func parsedVariables() throws -> [String: String] {
            var result: [String: String] = [:]
            for item in variables {
                guard let eq = item.firstIndex(of: "=") else { throw ValidationError("--var needs NAME=VALUE: \(item)") }
                result[String(item[..<eq])] = String(item[item.index(after: eq)...])
            }
            return result
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Forget a host (its agent keeps running).")
        @OptionGroup var options: DeployOptions
        @Argument(help: "Host uuid, name or address.") var host: String

        func run() async throws {
            let removed = try await options.deployer().removeHost(host)
            print("removed \(removed.uuid) (\(removed.address))")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List hosts (same as status).")
        @OptionGroup var options: DeployOptions
        @Flag(help: "JSON output.") var json = false

        func run() async throws {
            try printStatus(try await options.deployer().status(), json: json)
        }
    }
}

extension AgentKind: ExpressibleByArgument {}
