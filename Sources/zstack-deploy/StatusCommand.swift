import ArgumentParser
import Deployer
import Foundation

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "The hosts and what they last became.")
    @OptionGroup var options: DeployOptions
    @Flag(help: "JSON output.") var json = false

    func run() async throws {
        try printStatus(try await options.deployer().status(), json: json)
    }
}

struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "runs", abstract: "Recent runs, or one run in detail.")
    @OptionGroup var options: DeployOptions
    @Argument(help: "A run id to show in detail.") var id: Int64?
    @Flag(help: "JSON output.") var json = false

    func run() async throws {
        let deployer = try await options.deployer()
        if let id {
            guard let details = try await deployer.inventory.runDetails(id) else { throw ValidationError("no run \(id)") }
            if json { print(try encodeJSON(details)); return }
            print("run \(id) \(details.run.kind.rawValue) (\(details.run.trigger)) \(details.run.status.rawValue): \(details.run.message ?? "")")
            printTable(["ADDRESS", "KIND", "BATCH", "OUTCOME", "REASON / ERROR"], details.hosts.map {
                [$0.address, $0.kind.rawValue, $0.batch.map(String.init) ?? "-", $0.outcome.rawValue, $0.error ?? $0.reason ?? ""]
            })
            return
        }
        let runs = try await deployer.inventory.runs()
        if json { print(try encodeJSON(runs)); return }
        printTable(["ID", "KIND", "TRIGGER", "STATUS", "STARTED", "RELEASES", "MESSAGE"], runs.map {
            ["\($0.id!)", $0.kind.rawValue, $0.trigger, $0.status.rawValue, "\($0.startedAt)", $0.releases ?? "", $0.message ?? ""]
        })
    }
}

func printStatus(_ hosts: [HostSummary], json: Bool) throws {
    if json {
        print(try encodeJSON(hosts))
        return
    }
    printTable(["UUID", "NAME", "KIND", "ADDRESS", "AGENT", "VERSION", "LAST", "REASON"], hosts.map {
        [$0.uuid, $0.name, $0.kind.rawValue, "\($0.user)@\($0.address):\($0.sshPort)", "\($0.agentPort)",
         $0.deployedVersion ?? "-", $0.lastOutcome?.rawValue ?? "-", $0.lastReason ?? ""]
    })
}

/// Columns padded to their widest cell; the last column is left as long as it is.
func printTable(_ header: [String], _ rows: [[String]]) {
    let all = [header] + rows
    let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
    for row in all {
        let cells = row.enumerated().map { index, cell in
            index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
        }
        print(cells.joined(separator: "  "))
    }
}
