import AgentTrust
import ArgumentParser
import Deployer
import Foundation

/// `zstack-deploy ca`: the CA behind the agents' mutual TLS. Prints paths and fingerprints, never a key.
struct CACommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ca", abstract: "The certificate authority of the agents' mutual TLS (<data-dir>/ca/).",
        subcommands: [Init.self, Show.self, Rotate.self])

    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the CA and the management client certificate; the next deployments use mutual TLS (agent.auth auto).")
        @OptionGroup var options: DeployOptions

        func run() async throws {
            let deployer = try await options.deployer()
            try await deployer.initializeCA()
            print("CA created; deployments from now on push certificates and --auth mtls (setting agent.auth).")
            print("Run `zstack-deploy upgrade --all` to switch deployed agents to mutual TLS.\n")
            printSummary(try await deployer.trustSummary())
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The CA, the bundle agents trust, the client certificate, the rotation.")
        @OptionGroup var options: DeployOptions

        func run() async throws {
            printSummary(try await options.deployer().trustSummary())
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace the CA: every host gets old+new, then the client switches, then the old CA is dropped; resumable.")
        @OptionGroup var options: DeployOptions

        func run() async throws {
            let deployer = try await options.deployer()
            let printer = ProgressPrinter()
            let outcome = try await deployer.rotateCA(observer: printer.observer)
            printer.finish()
            print(outcome.message + (outcome.runs.isEmpty ? "" : " (runs \(outcome.runs.map(String.init).joined(separator: ", ")))"))
            printSummary(try await deployer.trustSummary())
            if !outcome.finished { throw ExitCodeError.failed }
        }
    }
}

private func printSummary(_ summary: TrustSummary) {
    let formatter = ISO8601DateFormatter()
    print("CA:          \(summary.authority.subject)")
    print("  sha256     \(summary.authority.fingerprint)")
    print("  expires    \(formatter.string(from: summary.authority.notAfter))")
    print("bundle:      \(summary.bundlePath) (what agents trust for clients, and the deployer for agents)")
    for certificate in summary.bundle {
        print("  \(certificate.subject)  sha256 \(certificate.fingerprint)")
    }
    print("client:      \(summary.clientCertificatePath)  key \(summary.clientKeyPath)")
    print("  issued by  \(summary.client.issuer), expires \(formatter.string(from: summary.client.notAfter))")
    print("  sha256     \(summary.client.fingerprint)")
    if let rotation = summary.rotation {
        print("rotation:    in progress since \(formatter.string(from: rotation.startedAt)), phase \(rotation.phase.explanation)")
        print("  replacing  \(rotation.previousAuthority.subject)  sha256 \(rotation.previousAuthority.fingerprint)")
        print("  hosts      \(rotation.hostsDone)/\(rotation.hosts) hold the current bundle; `zstack-deploy ca rotate` goes on")
    } else {
        print("rotation:    none in progress")
    }
}
