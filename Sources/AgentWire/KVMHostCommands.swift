// KVM agent host commands (`KVMAgentCommands.java`: ConnectCmd, PingCmd, ...). Field names are the Java
// field names; every request field is optional because the MN omits nulls and adds fields over versions.

extension KVM {
    /// `/host/connect` (sync): the MN introduces itself; the agent remembers who it belongs to.
    public struct ConnectCmd: Codable, Sendable, Equatable {
        public var hostUuid: String?
        public var sendCommandUrl: String?
        public var iptablesRules: [String]?
        public var ignoreMsrs: Bool?
        public var pageTableExtensionDisabled: Bool?
        public var tcpServerPort: Int?
        public var version: String?

        public init(hostUuid: String? = nil, sendCommandUrl: String? = nil, version: String? = nil) {
            self.hostUuid = hostUuid
            self.sendCommandUrl = sendCommandUrl
            self.version = version
        }
    }

    public struct ConnectResponse: AgentReply, Equatable {
        public var success = true
        public var error: String?
        public var libvirtVersion: String?
        public var qemuVersion: String?

        public init(libvirtVersion: String? = nil, qemuVersion: String? = nil) {
            self.libvirtVersion = libvirtVersion
            self.qemuVersion = qemuVersion
        }
    }

    /// `/host/ping` (async): the MN checks the agent still knows it; empty fields mean "restarted".
    public struct PingCmd: Codable, Sendable, Equatable {
        public var hostUuid: String?

        public init(hostUuid: String? = nil) {
            self.hostUuid = hostUuid
        }
    }

    public struct PingResponse: AgentReply, Equatable {
        public var success = true
        public var error: String?
        public var hostUuid: String?
        public var sendCommandUrl: String?
        public var version: String?

        public init(hostUuid: String? = nil, sendCommandUrl: String? = nil, version: String? = nil) {
            self.hostUuid = hostUuid
            self.sendCommandUrl = sendCommandUrl
            self.version = version
        }
    }

    /// `/host/update/configuration` (async): the MN moved (fail-over) and gives its new send-command URL.
    public struct UpdateHostConfigurationCmd: Codable, Sendable, Equatable {
        public var hostUuid: String?
        public var sendCommandUrl: String?

        public init(hostUuid: String? = nil, sendCommandUrl: String? = nil) {
            self.hostUuid = hostUuid
            self.sendCommandUrl = sendCommandUrl
        }
    }
}
