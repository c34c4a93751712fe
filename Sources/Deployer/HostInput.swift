import Foundation
import HostSystem
import SSH

/// A host to add, as the CLI, a hosts file or `POST /v1/hosts` gives it. Everything here reaches SSH,
/// ansible inventories and templates, so it is checked before anything else happens.
public struct HostInput: Codable, Sendable {
    public var address: String
    public var sshPort: Int?
    public var user: String?
    public var password: String?
    public var privateKeyPath: String?
    public var kind: AgentKind?
    public var agentPort: Int?
    public var name: String?
    public var uuid: String?
    public var become: Bool?
    public var storePassword: Bool?
    public var variables: [String: String]?
    /// The host key's expected SHA-256 fingerprint (`SHA256:<base64>`, as `ssh-keygen -lf` prints it): checked
    /// at first contact, before any password is sent, instead of trusting whatever key the host offers.
    public var hostKeyFingerprint: String?

    public init(address: String, sshPort: Int? = nil, user: String? = nil, password: String? = nil,
                privateKeyPath: String? = nil, kind: AgentKind? = nil, agentPort: Int? = nil, name: String? = nil,
                uuid: String? = nil, become: Bool? = nil, storePassword: Bool? = nil,
                variables: [String: String]? = nil, hostKeyFingerprint: String? = nil) {
        self.address = address
        self.sshPort = sshPort
        self.user = user
        self.password = password
        self.privateKeyPath = privateKeyPath
        self.kind = kind
        self.agentPort = agentPort
        self.name = name
        self.uuid = uuid
        self.become = become
        self.storePassword = storePassword
        self.variables = variables
        self.hostKeyFingerprint = hostKeyFingerprint
    }

    /// The first problem with this input, or nil.
    public func problem() -> String? {
        if address.isEmpty || address.count > 253
            || !address.unicodeScalars.allSatisfy({ Self.hostCharacters.contains($0) }) || address.hasPrefix("-") {
            return "address \(address.debugDescription) is not an IP address or host name"
        }
        if let sshPort, !(1...65535).contains(sshPort) { return "ssh port \(sshPort) is out of range" }
        if let agentPort, !(1...65535).contains(agentPort) { return "agent port \(agentPort) is out of range" }
        if let user, user.isEmpty || user.hasPrefix("-")
            || !user.unicodeScalars.allSatisfy({ Self.nameCharacters.contains($0) }) {
            return "user \(user.debugDescription) is not a valid user name"
        }
        if let uuid, !Self.isValidUuid(uuid) {
            return "uuid \(uuid.debugDescription) may hold only letters, digits, '.', '_' and '-' (and is not '.' or '..')"
        }
        if let name, name.isEmpty || name.count > 255 || name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "name \(name.debugDescription) is empty, too long or holds control characters"
        }
        if password == nil && privateKeyPath == nil {
            return "give a password (to install the deployer's key) or a private key file"
        }
        if let privateKeyPath, let problem = Self.privateKeyProblem(privateKeyPath) { return problem }
        if let hostKeyFingerprint, (try? HostKeyPolicy.normalize(hostKeyFingerprint)) == nil {
            return "host key fingerprint \(hostKeyFingerprint.debugDescription) is not 'SHA256:<base64>' "
                + "(as `ssh-keygen -lf` prints it)"
        }
        for (key, value) in (variables ?? [:]).sorted(by: { $0.key < $1.key }) {
            if let problem = PlaybookVariables.problem(name: key, value: value) { return problem }
        }
        return nil
    }

    /// The key file is stored with the host and handed to the SSH module and to ansible on every run: it must be
    /// the file it looks like (no `..`, no symlink to something else, no template markers ansible would
    /// expand), readable here, and private, as ssh itself insists.
    static func privateKeyProblem(_ path: String) -> String? {
        let shown = "private key file \(path.debugDescription)"
        guard path.hasPrefix("/") else { return "\(shown) must be an absolute path" }
        if path.split(separator: "/").contains("..") { return "\(shown) must not contain '..'" }
        if PlaybookVariables.holdsTemplateMarkers(path) { return "\(shown): template markers are not allowed" }
        if path.unicodeScalars.contains(where: {
            $0.properties.isWhitespace || $0.properties.generalCategory == .control
        }) {
            return "\(shown) must not contain whitespace or control characters"
        }
        switch Files.kind(path) {
        case nil: return "\(shown) does not exist"
        case .symbolicLink: return "\(shown) is a symbolic link; give the file it points to"
        case .regular: break
        default: return "\(shown) is not a regular file"
        }
        guard access(path, R_OK) == 0,
              let mode = (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int
        else { return "\(shown) is not readable by the deployer" }
        if mode & 0o077 != 0 {
            return "\(shown) is accessible by group or others (mode \(String(mode & 0o777, radix: 8))); chmod 600 it"
        }
        return nil
    }

    /// A host's uuid names its certificate's directory (`ca/hosts/<uuid>`) and its shared secrets: '.' and
    /// '..' would name another directory.
    static func isValidUuid(_ uuid: String) -> Bool {
        !uuid.isEmpty && uuid.count <= 64 && uuid != "." && uuid != ".."
            && uuid.unicodeScalars.allSatisfy { nameCharacters.contains($0) }
    }

    private static let nameCharacters = CharacterSet(charactersIn:
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
    private static let hostCharacters = nameCharacters.union(CharacterSet(charactersIn: ":"))
}
