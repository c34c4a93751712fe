import AgentServer
import Logging

/// Builds the sftp backup-storage agent's command server; the `zstack-sftpbackupstorage` executable and
/// the tests both call this.
///
/// - Throws: when `configuration.storageRoot` is set but cannot be prepared.
public func buildSftpBackupStorageAgent(
    _ configuration: SftpBackupStorageConfiguration,
    logger: Logger
) throws -> AgentServer {
    let state = BackupStorageState(root: try configuration.storageRoot.map(StorageRoot.prepare))
    let downloader = ImageDownloader(
        jobs: DownloadJobs(), defaultTimeout: configuration.defaultDownloadTimeout,
        privateKeyPath: configuration.privateKeyPath)
    return AgentServer(
        configuration: configuration.server,
        routes: [
            ConnectionRoutes(state: state, privateKeyPath: configuration.privateKeyPath),
            ImageRoutes(state: state, downloader: downloader),
            MetaDataRoutes(state: state),
        ],
        logger: logger)
}
