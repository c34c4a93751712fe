import ArgumentParser
import Deployer

/// `zstack-deploy`: installs and upgrades ZStack's agents on hosts (ZStack's AnsibleRunner, as a tool).
@main
struct DeployCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zstack-deploy",
        abstract: "Install, reconnect and upgrade ZStack agents on hosts with ansible, only where needed.",
        subcommands: [HostCommand.self, ReconnectCommand.self, UpgradeCommand.self, CheckCommand.self,
                      StatusCommand.self, RunsCommand.self, ConfigCommand.self, ServeCommand.self, APITokenCommand.self, KeyCommand.self,
                      CACommand.self])
}

/// Where state and releases are; every subcommand takes these.
struct DeployOptions: ParsableArguments {
    @Option(help: "Data directory: key, inventory, staged releases (env ZSTACK_DEPLOY_DATA; default ~/.local/share/zstack-deploy).")
    var dataDir: String?

    @Option(name: [.customLong("database"), .customLong("db")], help: ArgumentHelp(
        "The inventory: a SQLite file, or postgres://user:password@host:port/database for a store several "
            + "instances share (env ZSTACK_DEPLOY_DATABASE; default <data-dir>/inventory.sqlite).", valueName: "path-or-url"))
    var database: String?

    @Option(help: ArgumentHelp(
        "Key file sealing the secrets shared through the store (env ZSTACK_DEPLOY_SECRET_KEY_FILE; default <data-dir>/secret.key).",
        discussion: "Made by the first instance of a store; copy it (mode 0600) to every other instance of the same store."))
    var secretKeyFile: String?

    @Option(help: "Directory of agent tarballs <agent>-<version>.tar.gz (env ZSTACK_DEPLOY_PACKAGES; default ./dist).")
    var packages: String?

    @Option(help: "Directory of the playbooks (env ZSTACK_DEPLOY_PLAYBOOKS; default ./Playbooks).")
    var playbooks: String?

    @Option(help: "Directory of user extensions, <kind>/*.yaml (env ZSTACK_DEPLOY_EXTENSIONS; default ./extensions).")
    var extensions: String?

    @Option(help: "The ansible-playbook program.")
    var ansiblePlaybook = "ansible-playbook"

    func configuration() -> DeployerConfiguration {
        let environment = ProcessInfo.processInfo.environment
        func given(_ flag: String?, _ variable: String) -> String? {
            flag ?? environment[variable].flatMap { $0.isEmpty ? nil : $0 }
        }
        func pick(_ flag: String?, _ variable: String, _ fallback: String) -> String {
            absolute(given(flag, variable) ?? fallback)
        }
        var configuration = DeployerConfiguration(
            dataDirectory: pick(dataDir, "ZSTACK_DEPLOY_DATA", DeployerConfiguration.defaultDataDirectory),
            database: given(database, "ZSTACK_DEPLOY_DATABASE").map { StoreLocation.isPostgres($0) ? $0 : absolute($0) },
            secretKeyPath: given(secretKeyFile, "ZSTACK_DEPLOY_SECRET_KEY_FILE").map(absolute),
            sources: ReleaseSources(
                packageDirectory: pick(packages, "ZSTACK_DEPLOY_PACKAGES", "dist"),
                playbookDirectory: pick(playbooks, "ZSTACK_DEPLOY_PLAYBOOKS", "Playbooks"),
                extensionsDirectory: pick(extensions, "ZSTACK_DEPLOY_EXTENSIONS", "extensions")))
        configuration.ansiblePlaybook = ansiblePlaybook
        return configuration
    }

    func deployer() async throws -> Deployer {
        try await Deployer(configuration())
    }

    private func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }
}

import Foundation
