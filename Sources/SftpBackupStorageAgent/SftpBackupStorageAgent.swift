import AgentServer
import HostSystem
import Logging
import SSH

/// Builds the sftp backup-storage agent's command server; the `zstack-sftpbackupstorage` executable and
/// the tests both call this.
///
/// - Throws: when `configuration.storageRoot` is set but cannot be prepared.
public func buildSftpBackupStorageAgent(
    _ configuration: SftpBackupStorageConfiguration,
    logger: Logger
) throws -> AgentServer {
    let permitted = try PermittedRoots(configuration.storageRoots, purpose: "backup storage")
    let state = BackupStorageState(permitted: permitted,
                                   root: try configuration.storageRoot.map { try StorageRoot.prepare($0, permitted: permitted) })
    let downloader = ImageDownloader(
        jobs: DownloadJobs(), defaultTimeout: configuration.defaultDownloadTimeout,
        privateKeyPath: configuration.privateKeyPath,
        importDirectories: configuration.importDirectories.isEmpty
            ? nil : try PermittedRoots(configuration.importDirectories, purpose: "image import"),
        knownHosts: KnownHostsFile(path: configuration.knownHostsPath),
        maxImageBytes: configuration.maxImageBytes)
    return try AgentServer(
        configuration: configuration.server,
        routes: [
            ConnectionRoutes(state: state, privateKeyPath: configuration.privateKeyPath),
            ImageRoutes(state: state, downloader: downloader),
            MetaDataRoutes(state: state),
        ],
        logger: logger)
}
