import TestSupport
import AgentWire
import Foundation
import KVMAgent
import Libvirt
import Testing

/// `/localstorage/sftp/download` and `/upload` through real HTTP against a loopback sshd started with
/// `scripts/test-host` (127.0.0.181:2481) standing in for the SFTP backup storage: the full path from a
/// backup-storage image to a running VM on the test driver, plus the failures.
@Suite("local storage SFTP transfers against a loopback backup storage", .serialized, .timeLimit(.minutes(3)))
struct LocalStorageSftpTests {
    /// The backup-storage test host; always stopped afterwards.
    private func withBackupStorage<T>(_ body: (TestHost) async throws -> T) async throws -> T {
        try await TestHost.with(name: "kvm-ls-sftp-tests", address: "127.0.0.181", sshPort: 2481, body)
    }

    private func initialize(_ root: String, _ agent: KVMAgentHarness) async throws {
        var command = KVM.LocalStorageInitCmd()
        command.path = root
        command.storagePath = root
        let reply = try await agent.call("/localstorage/init", command, as: KVM.LocalStorageResponse.self)
        #expect(reply.success, "\(reply.error ?? "")")
    }

    private func download(_ host: TestHost, key: String, from remote: String, to local: String)
        throws -> KVM.SftpDownloadBitsCmd
    {
        var command = KVM.SftpDownloadBitsCmd()
        command.sshKey = key
        command.username = "root"
        command.hostname = host.address
        command.sshPort = host.sshPort
        command.backupStorageInstallPath = remote
        command.primaryStorageInstallPath = local
        return command
    }

    /// A qcow2 image of `size` made on the backup-storage test host at `relative` under its root.
    private func remoteImage(_ host: TestHost, _ relative: String, size: String) async throws -> String {
        let remote = host.root.path + relative
        try FileManager.default.createDirectory(atPath: (remote as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        _ = try await Program.output(["qemu-img", "create", "-q", "-f", "qcow2", remote, size])
        return remote
    }

    private func md5(_ path: String) async throws -> String { String(try await Program.output(["md5sum", "--", path]).prefix(32)) }

    private func files(under directory: String) -> [String] {
        ((try? FileManager.default.subpathsOfDirectory(atPath: directory)) ?? []).sorted()
    }

    @Test("pull an image, build a volume on it, start a VM with it; upload it back")
    func pullBuildStartAndUpload() async throws {
        try await withBackupStorage { host in
            try await KVMAgentHarness.with { agent in
                let root = agent.directory.appendingPathComponent("ps").path
                try await initialize(root, agent)
                let remote = try await remoteImage(host, "/bs/images/image-1/image-1.qcow2", size: "96M")
                // The MN's own key, RSA in every ZStack install, against the test host's default sshd.
                let key = try String(contentsOfFile: host.rsaKey, encoding: .utf8)

                let template = root + "/imagecache/template/image-1/image-1.qcow2"
                let pulled = try await agent.call("/localstorage/sftp/download",
                                                  try download(host, key: key, from: remote, to: template),
                                                  as: KVM.LocalStorageResponse.self)
                #expect(pulled.success, "\(pulled.error ?? "")")
                #expect(try await md5(template) == (try await md5(remote)))
                #expect(pulled.totalCapacity ?? 0 > 0 && pulled.availableCapacity ?? 0 > 0)
                #expect(files(under: root + "/imagecache/template/image-1") == ["image-1.qcow2"], "no temporary file left")

                var fromCache = KVM.CreateVolumeFromCacheCmd()
                fromCache.templatePathInCache = template
                fromCache.installUrl = root + "/rootVolumes/acct-1/vol-1/vol-1.qcow2"
                let volume = try await agent.call("/localstorage/volume/createvolumefromcache", fromCache,
                                                  as: KVM.LocalStorageResponse.self)
                #expect(volume.success && volume.size == 96 << 20, "\(volume.error ?? "")")
                #expect(try await Program.output(["qemu-img", "info", "--output=json", fromCache.installUrl!])
                    .contains(#""backing-filename": "\#(template)""#))

                let uuid = KVMAgentHarness.uniqueUUID()
                let json = StartVmFixtures.zstack5JSON(uuid: uuid)
                    .replacingOccurrences(of: "/zstack_ps/rootVolumes/acct-36c2/vol-8f1/8f1.qcow2", with: fromCache.installUrl!)
                    .replacingOccurrences(of: "/zstack_ps/imagecache/iso/centos.iso", with: try agent.file("centos.iso"))
                    .replacingOccurrences(of: "/dev/vg0/data-1", with: try agent.file("data-1.raw"))
                let started = try await agent.call("/vm/start", try WireJSON.decode(JSONValue.self, from: Array(json.utf8)),
                                                   as: KVM.StartVmResponse.self)
                #expect(started.success, "\(started.error ?? "")")
                let domain = try #require(try await agent.libvirt.domain(named: uuid))
                defer { domain.close() }
                #expect(try await domain.state().state == .running)
                let xml = try XMLQuery(try await domain.xml())
                #expect(try xml.values("/domain/devices/disk[@device='disk'][target/@dev='vda']/source/@file")
                    == [fromCache.installUrl!])
                var destroy = KVM.DestroyVmCmd()
                destroy.uuid = uuid
                #expect(try await agent.call("/vm/destroy", destroy, as: EmptyReply.self).success)

                var upload = KVM.SftpUploadBitsCmd()
                upload.sshKey = key
                upload.username = "root"
                upload.hostname = host.address
                upload.sshPort = host.sshPort
                upload.primaryStorageInstallPath = template
                upload.backupStorageInstallPath = host.root.path + "/bs/images/image-2/sub/image-2.qcow2"
                upload.imageName = "image-2"
                let pushed = try await agent.call("/localstorage/sftp/upload", upload, as: KVM.LocalStorageResponse.self)
                #expect(pushed.success, "\(pushed.error ?? "")")
                #expect(pushed.totalCapacity ?? 0 > 0)
                #expect(try await md5(upload.backupStorageInstallPath!) == (try await md5(remote)))
            }
        }
    }

    @Test("a volume copied from another KVM host (DownloadBitsFromKVMHostCmd): its format, the progress query, the cancel that removes it")
    func downloadFromKVMHost() async throws {
        try await withBackupStorage { host in
            try await KVMAgentHarness.with { agent in
                let root = agent.directory.appendingPathComponent("ps").path
                try await initialize(root, agent)
                let remote = try await remoteImage(host, "/zstack_ps/rootVolumes/acct-1/vol-1/vol-1.qcow2", size: "32M")
                let key = try String(contentsOfFile: host.rsaKey, encoding: .utf8)
                let local = root + "/rootVolumes/acct-1/vol-1/vol-1.qcow2"
                // GetKVMHostDownloadCredentialReply's fields, the long job's identification code; bandWidth null.
                let body = try WireJSON.decode(JSONValue.self, from: Array(#"""
                    {"hostname":"\#(host.address)","username":"root","sshKey":\#(try LocalStorageBodies.quoted(key)),"sshPort":\#(host.sshPort),
                     "backupStorageInstallPath":"\#(remote)","primaryStorageInstallPath":"\#(local)",
                     "identificationCode":"job-1\#(local)",\#(LocalStorageBodies.agentCommand(root))}
                    """#.utf8))
                let pulled = try await agent.call("/localstorage/kvmhost/download", body, as: KVM.LocalStorageResponse.self)
                #expect(pulled.success, "\(pulled.error ?? "")")
                #expect(pulled.format == "qcow2")
                #expect(try await md5(local) == (try await md5(remote)))
                #expect(files(under: root + "/rootVolumes/acct-1/vol-1") == ["vol-1.qcow2"], "no temporary file left")

                let progress = try await agent.call("/localstorage/kvmhost/download/progress", try LocalStorageBodies.body(root,
                    #""volumePaths":["\#(local)"]"#), as: KVM.LocalStorageResponse.self)
                let size = try FileManager.default.attributesOfItem(atPath: local)[.size] as? Int64
                #expect(progress.success && progress.totalSize == size)

                let cancelled = try await agent.call("/localstorage/kvmhost/download/cancel", try LocalStorageBodies.body(root,
                    #""primaryStorageInstallPath":"\#(local)""#), as: KVM.LocalStorageResponse.self)
                #expect(cancelled.success, "\(cancelled.error ?? "")")
                #expect(!FileManager.default.fileExists(atPath: local), "the MN's cancel removes what was copied")
            }
        }
    }

    @Test("a wrong key, a path outside the storage, a missing remote file: in-band errors, nothing left")
    func failures() async throws {
        try await withBackupStorage { host in
            try await KVMAgentHarness.with { agent in
                let root = agent.directory.appendingPathComponent("ps").path
                try await initialize(root, agent)
                let remote = try await remoteImage(host, "/bs/images/image-1.qcow2", size: "16M")
                let key = try String(contentsOfFile: host.key, encoding: .utf8)
                let strangerPath = agent.directory.appendingPathComponent("stranger").path
                _ = try await Program.output(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", strangerPath])
                let stranger = try String(contentsOfFile: strangerPath, encoding: .utf8)
                let before = files(under: root)

                let target = root + "/imagecache/template/image-1/image-1.qcow2"
                let wrongKey = try await agent.call("/localstorage/sftp/download",
                                                    try download(host, key: stranger, from: remote, to: target),
                                                    as: KVM.LocalStorageResponse.self)
                #expect(!wrongKey.success)
                #expect(wrongKey.error?.contains("authenticationFailed") == true, "\(wrongKey.error ?? "")")
                #expect(wrongKey.error?.contains("PRIVATE KEY") == false)
                #expect(files(under: root) == before, "no partial file or new folder")

                let missing = try await agent.call("/localstorage/sftp/download",
                                                   try download(host, key: key, from: remote + ".gone", to: target),
                                                   as: KVM.LocalStorageResponse.self)
                #expect(!missing.success && missing.error?.contains(remote + ".gone") == true, "\(missing.error ?? "")")
                #expect(files(under: root) == before)

                let escape = try await agent.call("/localstorage/sftp/download",
                                                  try download(host, key: key, from: remote, to: root + "/../escaped.qcow2"),
                                                  as: KVM.LocalStorageResponse.self)
                #expect(!escape.success && escape.error?.contains("not inside the local storage") == true,
                        "\(escape.error ?? "")")
                #expect(!FileManager.default.fileExists(atPath: agent.directory.appendingPathComponent("escaped.qcow2").path))

                var upload = KVM.SftpUploadBitsCmd()
                upload.sshKey = key
                upload.hostname = host.address
                upload.sshPort = host.sshPort
                upload.primaryStorageInstallPath = root + "/../stranger"
                upload.backupStorageInstallPath = host.root.path + "/bs/leaked"
                let leak = try await agent.call("/localstorage/sftp/upload", upload, as: KVM.LocalStorageResponse.self)
                #expect(!leak.success && !FileManager.default.fileExists(atPath: upload.backupStorageInstallPath!))
            }
        }
    }

    @Test("the backup storage's host key is remembered at first contact and required afterwards")
    func hostKeyPinning() async throws {
        try await withBackupStorage { host in
            try await KVMAgentHarness.with { agent in
                let root = agent.directory.appendingPathComponent("ps").path
                try await initialize(root, agent)
                let remote = try await remoteImage(host, "/bs/images/image-2.qcow2", size: "16M")
                let key = try String(contentsOfFile: host.key, encoding: .utf8)
                let first = try await agent.call("/localstorage/sftp/download",
                                                 try download(host, key: key, from: remote, to: root + "/cache/a/a.qcow2"),
                                                 as: KVM.LocalStorageResponse.self)
                #expect(first.success, "\(first.error ?? "")")
                let knownHosts = agent.directory.appendingPathComponent("state/sftp_known_hosts").path
                let recorded = try String(contentsOfFile: knownHosts, encoding: .utf8)
                let hostKey = host.address
                #expect(recorded.hasPrefix("[\(hostKey)]:\(host.sshPort) SHA256:"))

                // Another server now answers at that address (reinstalled, or a man in the middle).
                try (recorded.split(separator: " ")[0] + " SHA256:" + String(repeating: "A", count: 43) + "\n")
                    .write(toFile: knownHosts, atomically: true, encoding: .utf8)
                let second = try await agent.call("/localstorage/sftp/download",
                                                  try download(host, key: key, from: remote, to: root + "/cache/b/b.qcow2"),
                                                  as: KVM.LocalStorageResponse.self)
                #expect(!second.success && second.error?.contains("hostKeyMismatch") == true, "\(second.error ?? "")")
                #expect(!FileManager.default.fileExists(atPath: root + "/cache/b/b.qcow2"))
            }
        }
    }
}
