import AgentClient
import Foundation
import Testing
import TestSupport

/// Issue 14: each agent binary, as built, takes a few thousand mutated ZStack commands (100,000 with
/// `make fuzz`) and must answer every one within the contract, stay up, and write nothing outside its
/// roots. Serialized: the three agents share two cores with the rest of `make test`.
@Suite(.serialized) struct HostileInputTests {
    /// In a network namespace of its own (`--netns`): the security-group commands' iptables and ipsets, and
    /// the bridge commands' links, stay there instead of reaching the machine's.
    @Test func kvmAgentSurvivesHostileCommands() async throws {
        let world = try HostileWorld(label: "kvm")
        defer { world.remove() }
        let state = try world.directory("state")
        _ = try await NetworkNamespace.with(prefix: "hfzk-") { namespace in
            try await AgentUnderFuzz(
                executable: "zstack-kvmagent", echoPath: "/host/echo", world: world,
                arguments: ["--libvirt-uri", "test:///default", "--state-dir", state, "--storage-root", world.storageRoot,
                            "--host-shutdown-command", "true", "--host-reboot-command", "true",
                            "--nvram-dir", try world.directory("nvram"), "--take-over-flag", state + "/takeOver",
                            "--flat-dnsmasq-dir", try world.directory("dnsmasq"), "--flat-userdata-dir", try world.directory("userdata"),
                            "--netns", namespace.name],
                regressions: RegressionCase.everyAgent(path: "/vm/start", kind: .async, freeFormField: "kvmHostAddons")
                    + RegressionCase.everyAgent(path: "/host/connect", kind: .sync, freeFormField: "kvmHostAddons")
            ) { mn in
                CorpusPlaceholders(values: ["ROOT": world.storageRoot, "MN": mn.sendCommandURL, "CANARY": world.canary])
                    .fill(try KVMCorpus.entries())
            }.fuzz()
        }
    }

    @Test func backupStorageAgentSurvivesHostileCommands() async throws {
        let world = try HostileWorld(label: "sftp")
        defer { world.remove() }
        let imports = try world.directory("import")
        try Data("QFI\u{fb} a small image to import\n".utf8).write(to: URL(fileURLWithPath: imports + "/img.qcow2"))
        try await AgentUnderFuzz(
            executable: "zstack-sftpbackupstorage", echoPath: "/sftpbackupstorage/echo", world: world,
            arguments: ["--storage-root", world.storageRoot, "--import-dir", imports,
                        "--known-hosts", world.scratch + "/known_hosts", "--private-key", world.scratch + "/id_rsa.sftp"],
            regressions: RegressionCase.everyAgent(path: "/sftpbackupstorage/writeimagemetadata", kind: .async, freeFormField: "metaData")
                + RegressionCase.everyAgent(path: "/sftpbackupstorage/connect", kind: .sync, freeFormField: "uuid")
                + [RegressionCase(name: "connect", path: "/sftpbackupstorage/connect", kind: .sync,
                                  body: #"{"uuid":"bs1","storagePath":"\#(world.storageRoot)"}"#),
                   Self.downloadWithoutTimeoutFromRefusedURL(world)]
        ) { mn in
            CorpusPlaceholders(values: ["ROOT": world.storageRoot, "MN": mn.sendCommandURL, "IMPORT": imports,
                                        "CANARY": world.canary]).fill(SftpCorpus.entries())
        }.fuzz()
    }

    /// Found by `make fuzz` (seed 35347882962978, request #3053): a download with no `timeout` from an http
    /// URL whose port refuses connections is acknowledged and not answered (none within 60 s; by the code,
    /// not before the 7,200 s default download timeout: the shared AsyncHTTPClient retries a refused connect
    /// until the request's deadline). With `"timeout":600` the same download fails in band at once. Not
    /// fixed here: it lies in SftpBackupStorageAgent's `ImageSource` (a client without connection retries and
    /// with a connect timeout would fail it at once).
    static func downloadWithoutTimeoutFromRefusedURL(_ world: HostileWorld) -> RegressionCase {
        RegressionCase(
            name: "download-without-timeout-refused-port", path: "/sftpbackupstorage/download", kind: .async,
            body: #"{"uuid":"bs1","imageUuid":"img1","installPath":"\#(world.storageRoot)/images/img1/img1.qcow2","url":"http://127.0.0.1:1/img.qcow2","urlScheme":"http"}"#,
            callbackTimeout: .seconds(15))
    }

    @Test func virtualRouterAgentSurvivesHostileCommands() async throws {
        let world = try HostileWorld(label: "vr")
        defer { world.remove() }
        for directory in ["etc", "run"] { _ = try world.directory("root/" + directory) }
        // dnsmasq drops to its own user and must still read its files under the root.
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: world.storageRoot)
        _ = try await RouterNamespace.with { namespace in
            try await AgentUnderFuzz(
                executable: "zstack-virtualrouter", echoPath: "/echo", world: world,
                arguments: ["--root", world.storageRoot, "--netns", namespace.name],
                regressions: RegressionCase.everyAgent(path: "/init", kind: .async, freeFormField: "parms")
                    + RegressionCase.everyAgent(path: "/lb/refresh", kind: .async, freeFormField: "lbs")
            ) { _ in VRCorpus.entries() }.fuzz()
        }
    }
}
