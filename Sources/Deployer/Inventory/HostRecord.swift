import Foundation

/// A managed host: where it is, how to log in, which agent it runs, and what it last became.
public struct HostRecord: Codable, Sendable, Equatable {
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
struct DeployedFileRecord: Sendable, StoredRecord {
    static let table = "deployedFile"
    static let columns = ["hostUuid", "name", "md5"]
    var hostUuid: String
    var name: String
    var md5: String

    init(hostUuid: String, name: String, md5: String) {
        self.hostUuid = hostUuid
        self.name = name
        self.md5 = md5
    }

    init(row: SQLRow) throws {
        self.init(hostUuid: try row.text("hostUuid"), name: try row.text("name"), md5: try row.text("md5"))
    }

    var values: [SQLValue] { [.text(hostUuid), .text(name), .text(md5)] }
}

extension HostRecord: StoredRecord {
    static let table = "host"
    static let columns = [
        "uuid", "name", "address", "sshPort", "user", "kind", "agentPort", "privateKeyPath", "password", "become",
        "hostKeyFingerprint", "hostKey", "variables", "addedAt", "deployedVersion", "lastOutcome", "lastReason",
        "lastRunId", "lastChangeAt",
    ]

    init(row: SQLRow) throws {
        let variables = try row.text("variables")
        guard let decoded = try? JSONDecoder().decode([String: String].self, from: Data(variables.utf8)) else {
            throw StoreError.engine("column variables does not hold a JSON object of strings")
        }
        self.init(uuid: try row.text("uuid"), name: try row.text("name"), address: try row.text("address"),
                  sshPort: try row.int("sshPort"), user: try row.text("user"), kind: try row.value("kind"),
                  agentPort: try row.int("agentPort"), privateKeyPath: try row.optionalText("privateKeyPath"),
                  password: try row.optionalText("password"), become: try row.bool("become"),
                  hostKeyFingerprint: try row.text("hostKeyFingerprint"), hostKey: try row.text("hostKey"),
                  variables: decoded, addedAt: try row.date("addedAt"),
                  deployedVersion: try row.optionalText("deployedVersion"), lastOutcome: try row.optionalValue("lastOutcome"),
                  lastReason: try row.optionalText("lastReason"), lastRunId: try row.optionalInteger("lastRunId"),
                  lastChangeAt: try row.optionalDate("lastChangeAt"))
    }

    var values: [SQLValue] {
        // Sorted keys: the same variables are the same text, whichever instance wrote them.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let variablesText = (try? encoder.encode(variables)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return [.text(uuid), .text(name), .text(address), SQLValue(sshPort), .text(user), SQLValue(kind), SQLValue(agentPort),
                SQLValue(privateKeyPath), SQLValue(password), .boolean(become), .text(hostKeyFingerprint), .text(hostKey),
                .text(variablesText), .date(addedAt), SQLValue(deployedVersion), SQLValue(lastOutcome), SQLValue(lastReason),
                SQLValue(lastRunId), SQLValue(lastChangeAt)]
    }
}
