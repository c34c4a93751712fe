/// Bodies for the backup-storage agent, shaped like the MN's SftpBackupStorageCommands. Download URLs
/// point at 127.0.0.1 on closed ports or at the import directory: nothing leaves the machine.
enum SftpCorpus {
    static let image = "@ROOT@/images/img1/img1.qcow2"

    static func entries() -> [CorpusEntry] {
        func async(_ path: String, _ body: String) -> CorpusEntry { CorpusEntry(path: path, kind: .async, body: body) }
        let download = #""uuid":"bs1","imageUuid":"img1","installPath":"\#(image)","timeout":600,"threadContext":{"api":"api-1","task-name":"download"},"threadContextStack":[],"taskContext":{"__messagetimeout__":"600000"}"#
        return [
            CorpusEntry(path: "/sftpbackupstorage/echo", kind: .echo, body: ""),
            CorpusEntry(path: "/sftpbackupstorage/connect", kind: .sync,
                        body: #"{"uuid":"bs1","storagePath":"@ROOT@","sendCommandUrl":"@MN@"}"#),
            async("/sftpbackupstorage/ping", #"{"uuid":"bs1"}"#),
            async("/sftpbackupstorage/sshkey", "{}"),
            async("/sftpbackupstorage/download", "{\(download),\"url\":\"file://@IMPORT@/img.qcow2\",\"urlScheme\":\"file\"}"),
            async("/sftpbackupstorage/download", "{\(download),\"url\":\"http://127.0.0.1:1/img.qcow2\",\"urlScheme\":\"http\"}"),
            async("/sftpbackupstorage/download", "{\(download),\"url\":\"sftp://root:password@127.0.0.1:1/img.qcow2\",\"urlScheme\":\"sftp\"}"),
            async("/sftpbackupstorage/delete", #"{"uuid":"bs1","installUrl":"\#(image)"}"#),
            async("/sftpbackupstorage/getimagesize", #"{"uuid":"bs1","imageUuid":"img1","installPath":"\#(image)"}"#),
            async("/sftpbackupstorage/getlocalfilesize/", #"{"uuid":"bs1","path":"@IMPORT@/img.qcow2"}"#),
            async("/sftpbackupstorage/gethash", #"{"uuid":"bs1","path":"\#(image)"}"#),
            async("/sftpbackupstorage/writeimagemetadata", #"{"uuid":"bs1","metaData":{"uuid":"img1","name":"centos","backupStorageRefs":[{"installPath":"\#(image)"}],"size":1073741824,"md5Sum":"d41d8cd98f00b204e9800998ecf8427e"}}"#),
            async("/sftpbackupstorage/generateimagemetadatafile", #"{"uuid":"bs1","backupStoragePath":"@ROOT@"}"#),
            async("/sftpbackupstorage/checkimagemetadatafileexist", #"{"uuid":"bs1","backupStoragePath":"@ROOT@"}"#),
            async("/sftpbackupstorage/dumpimagemetadatatofile", #"{"uuid":"bs1","backupStoragePath":"@ROOT@","imageMetaData":"{\"uuid\":\"img1\",\"name\":\"centos\"}","dumpAllMetaData":false}"#),
            async("/sftpbackupstorage/deleteimagesmetadata", #"{"uuid":"bs1","imageUuid":"img1","imageBackupStorageUuid":"bs1","backupStoragePath":"@ROOT@"}"#),
            async("/sftpbackupstorage/getimagesmetadata", #"{"uuid":"bs1","backupStoragePath":"@ROOT@"}"#),
            async("/job/cancel", #"{"cancellationApiId":"api-1"}"#),
        ] + [
            // What the MN sends other backup storages, and paths in odd spellings: 404, never a crash.
            "/sftpbackupstorage/exportimage", "/sftpbackupstorage/getimagesizeindir", "/imagestore/download",
            "/ceph/backupstorage/init", "/host/echo", "/sftpbackupstorage", "/sftpbackupstorage/connect/extra",
            "/%2e%2e/%2e%2e/etc/passwd", "/sftpbackupstorage/%00", "/metrics/x", "/SFTPBACKUPSTORAGE/ECHO",
            "/zstack/asyncrest/callback",
        ].map { CorpusEntry(path: $0, kind: .unserved, body: #"{"uuid":"bs1"}"#) }
    }
}
