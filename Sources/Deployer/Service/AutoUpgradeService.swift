import Foundation
import Logging
import ServiceLifecycle

/// What makes upgrades transparent: at start, and whenever the release sources change while it runs, it
/// validates the releases and, if any host received something else, rolls them out with an upgrade run
/// (batch size and failure threshold from the settings, read batch by batch). An interrupted or stopped
/// upgrade is resumed at start, and an upgrade another instance sharing the store left interrupted is
/// taken over as soon as it is seen. Several instances run this side by side: the store lets one upgrade
/// run at a time, and the others find nothing left to do when it ends. Nobody calls `upgrade`.
public struct AutoUpgradeService: Service {
    let deployer: Deployer
    let interval: Duration
    let logger: Logger
    let observer: RunObserver?

    public init(deployer: Deployer, interval: Duration = .seconds(2), logger: Logger, observer: RunObserver? = nil) {
        self.deployer = deployer
        self.interval = interval
        self.logger = logger
        self.observer = observer
    }

    public func run() async throws {
        var seen: SourceSignature?
        var pendingSince: SourceSignature?
        var needsLook = true
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let now = SourceSignature(deployer.configuration.sources)
            if now != seen {
                // Wait until two polls agree, so that a tarball still being copied is not read half-way.
                if now == pendingSince {
                    seen = now
                    needsLook = true
                } else {
                    pendingSince = now
                }
            }
            // Another instance died mid-upgrade (its lease expired, or its process is gone): take the run over.
            if !needsLook, (try? await deployer.inventory.interruptedUpgrade()) != nil { needsLook = true }
            if needsLook, (try? await deployer.inventory.activeUpgrade()) == nil {
                needsLook = false
                await lookAndRoll()
            }
            try? await Task.sleep(for: interval)
        }
    }

    /// Starts an upgrade when there is one to resume, when the releases are broken (recorded as refused,
    /// touching nothing), or when some host's recorded files differ from the current releases.
    func lookAndRoll() async {
        let inventory = deployer.inventory
        do {
            let reason: String?
            if (try await inventory.resumableUpgrade()) != nil {
                reason = "resuming an unfinished upgrade"
            } else {
                do {
                    let catalog = try await deployer.loadReleases()
                    reason = try await outdatedHosts(catalog).map { "\($0) hosts did not receive \(catalog.summary)" }
                } catch let error as DeployerError where error.kind == .badPackages {
                    logger.error("releases refused: \(error.message)")
                    reason = "releases changed"  // the run records the refusal and touches nothing
                }
            }
            guard let reason else { return }
            logger.info("starting an upgrade: \(reason)")
            let handle = try await deployer.start(.upgrade(batchSize: nil, maxFailPercent: nil), trigger: "package change",
                                                  observer: observer)
            let details = await handle.result()
            logger.info("upgrade run \(handle.id) ended: \(details?.run.status.rawValue ?? "?") — \(details?.run.message ?? "")")
        } catch {
            logger.error("automatic upgrade could not start: \(error)")
        }
    }

    /// How many hosts last received something other than the current release of their kind (nil: none).
    private func outdatedHosts(_ catalog: ReleaseCatalog) async throws -> Int? {
        var outdated = 0
        let received = try await deployer.inventory.deployedFiles()
        for host in try await deployer.inventory.hosts() {
            guard let release = catalog.releases[host.kind] else { continue }
            if (received[host.uuid] ?? [:]) != release.files { outdated += 1 }
        }
        return outdated == 0 ? nil : outdated
    }
}
