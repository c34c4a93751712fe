import Foundation

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

    public init(address: String, sshPort: Int? = nil, user: String? = nil, password: String? = nil,
                privateKeyPath: String? = nil, kind: AgentKind? = nil, agentPort: Int? = nil, name: String? = nil,
                uuid: String? = nil, become: Bool? = nil, storePassword: Bool? = nil,
                variables: [String: String]? = nil) {
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
        if let uuid, uuid.isEmpty || uuid.count > 64 || !uuid.unicodeScalars.allSatisfy({ Self.nameCharacters.contains($0) }) {
            return "uuid \(uuid.debugDescription) may hold only letters, digits, '.', '_' and '-'"
        }
        if let name, name.isEmpty || name.count > 255 || name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "name \(name.debugDescription) is empty, too long or holds control characters"
        }
        if password == nil && privateKeyPath == nil {
            return "give a password (to install the deployer's key) or a private key file"
        }
        for (key, value) in variables ?? [:] {
            if let problem = Self.variableProblem(name: key, value: value) { return problem }
        }
        return nil
    }

    /// Variables become ansible inventory values, which ansible templates: a `{{ ... }}` in one would be
    /// code run on this machine. Names must be identifiers; values must hold no template markers.
    static func variableProblem(name: String, value: String) -> String? {
        guard let first = name.unicodeScalars.first, first == "_" || CharacterSet.letters.contains(first),
              name.unicodeScalars.allSatisfy({ $0 == "_" || CharacterSet.alphanumerics.contains($0) && $0.isASCII })
        else { return "variable name \(name.debugDescription) is not an identifier" }
        if ["{{", "{%", "{#"].contains(where: value.contains) {
            return "variable \(name): template markers ({{, {%, {#) are not allowed in values"
        }
        if value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "variable \(name): control characters are not allowed in values"
        }
        return nil
    }

    private static let nameCharacters = CharacterSet(charactersIn:
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
    private static let hostCharacters = nameCharacters.union(CharacterSet(charactersIn: ":"))
}
