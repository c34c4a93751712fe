import ArgumentParser
import Deployer

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Global settings, stored with the inventory; a running upgrade follows them batch by batch.",
        subcommands: [Set.self, Get.self, Unset.self, List.self])

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set KEY to VALUE (e.g. upgrade.batchSize 100, ansible.var.skip_packages true).")
        @OptionGroup var options: DeployOptions
        @Argument var key: String
        @Argument var value: String

        func run() async throws {
            if let problem = Setting.problem(key: key, value: value) { throw ValidationError(problem) }
            try await options.deployer().inventory.setSetting(key, value)
            print("\(key) = \(value)")
        }
    }

    struct Get: AsyncParsableCommand {
        @OptionGroup var options: DeployOptions
        @Argument var key: String

        func run() async throws {
            let stored = try await options.deployer().inventory.setting(key)
            print(stored ?? Setting.all.first { $0.key == key }?.defaultValue ?? "")
        }
    }

    struct Unset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Back to the default.")
        @OptionGroup var options: DeployOptions
        @Argument var key: String

        func run() async throws {
            try await options.deployer().inventory.setSetting(key, nil)
        }
    }

    struct List: AsyncParsableCommand {
        @OptionGroup var options: DeployOptions

        func run() async throws {
            let stored = try await options.deployer().inventory.settings()
            var rows = Setting.all.map { [$0.key, stored[$0.key] ?? $0.defaultValue, stored[$0.key] == nil ? "default" : "set", $0.help] }
            for (key, value) in stored.sorted(by: { $0.key < $1.key }) where key.hasPrefix(Setting.ansibleVariablePrefix) {
                rows.append([key, value, "set", "extra-var for every playbook run"])
            }
            printTable(["KEY", "VALUE", "", "MEANING"], rows)
        }
    }
}

struct KeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "key", abstract: "Print the deployer's public key.")
    @OptionGroup var options: DeployOptions

    func run() async throws {
        print(try await options.deployer().publicKey)
    }
}
