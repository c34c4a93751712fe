import Foundation
import GRDB

/// A managed host: where it is, how to log in, which agent it runs, and what it last became.
public struct HostRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "host"

    public var uuid: String
    public var name: String
    public var address: String
    public var sshPort: Int
    public var user: String
    public var kind: AgentKind
    public var agentPort: Int
    /// A private key file on this machine to log in with; nil means the deployer's own key, installed by the
    /// password bootstrap.
    public var privateKeyPath: String?
    /// Kept only when the user asks (`--store-password`), to re-install the key if it is ever removed.
    /// Never printed, logged or returned by the API (`HostSummary` has no such field).
    public var password: String?
    /// Ansible becomes root with sudo (a non-root login, as ZStack does for non-root users).
    public var become: Bool
    /// Pinned at first contact; a host presenting another key is stopped with an error.
    public var hostKeyFingerprint: String
    /// The same key as an OpenSSH line, written into the known_hosts file ansible is made to use.
    public var hostKey: String
    /// Inventory variables for this host's playbook runs (zstack_root, libvirt_uri, ...).
    public var variables: [String: String]
    public var addedAt: Date

    public var deployedVersion: String?
    public var lastOutcome: HostOutcome?
    public var lastReason: String?
    public var lastRunId: Int64?
    public var lastChangeAt: Date?

    /// How progress lines name the host: its address and kind, or its name and address when it has one.
    public var label: String { name == address ? "\(address) [\(kind)]" : "\(name) (\(address))" }

    /// A host variable, or the playbooks' default for it.
    func variable(_ name: String, default value: String) -> String {
        variables[name].flatMap { $0.isEmpty ? nil : $0 } ?? value
    }
}

/// What one host looks like to the outside (status table, `--json`, the HTTP API): the record without its
/// password, which is only said to be stored or not, and with its variables' values masked (a variable may
/// hold a secret, and GET must never return one): their names say what was set.
@dynamicMemberLookup
public struct HostSummary: Encodable, Sendable, Equatable {
    private let host: HostRecord
    public let passwordStored: Bool

    public init(_ host: HostRecord) {
        var copy = host
        copy.password = nil
        copy.variables = host.variables.mapValues { _ in Setting.masked }
        self.host = copy
        passwordStored = host.password != nil
    }

    public subscript<Value>(dynamicMember keyPath: KeyPath<HostRecord, Value>) -> Value {
        host[keyPath: keyPath]
    }

    public func encode(to encoder: any Encoder) throws {
        try host.encode(to: encoder)
        var container = encoder.container(keyedBy: ExtraKey.self)
        try container.encode(passwordStored, forKey: .passwordStored)
    }

    private enum ExtraKey: String, CodingKey {
        case passwordStored
    }
}

/// The MD5 of one agent file (package, playbook, extension) as last deployed successfully to a host.
struct DeployedFileRecord: Codable, Sendable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "deployedFile"
    var hostUuid: String
    var name: String
    var md5: String
}
