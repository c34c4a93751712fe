import AgentServer
import AgentWire
import Logging

/// A download's percentage, reported as zstacklib's `Report` does for the process type `AddImage`.
typealias DownloadProgress = ProgressReporter

extension ProgressReporter {
    convenience init(command: SftpBackupStorage.DownloadCmd, events: EventPusher, logger: Logger) {
        self.init(template: command.threadContext.map {
            ProgressReportCmd(processType: "AddImage", resourceUuid: command.imageUuid, serverUuid: command.uuid,
                              threadContextMap: $0, threadContextStack: command.threadContextStack)
        }, events: events, logger: logger)
    }
}
