/// Default TCP ports of the agents, matching the management node's global properties.
public enum AgentPort {
    public static let kvm = 7070
    public static let sftpBackupStorage = 7171
    public static let virtualRouter = 7272
}
