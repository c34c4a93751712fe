import AgentWire
import Foundation
import HostSystem
import Testing

/// The bodies `LocalStorageKvmBackend` and `LocalStorageKvmMigrateVmFlow` send to the local-storage paths, as
/// Gson writes them: nulls left out, primitives always present, the `AgentCommand` fields `httpCall` sets
/// (`uuid`, `storagePath`, `primaryStorageUuid`), the `kvmHostAddons` every KVM command carries, and the
/// thread context of `HasThreadContext` commands.
enum LocalStorageBodies {
    static let primaryStorageUuid = "1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f"
    static let apiID = "5b1d2f3e4a5b6c7d8e9f0a1b2c3d4e5f"

    static func agentCommand(_ root: String) -> String {
        #""uuid":"\#(primaryStorageUuid)","storagePath":"\#(root)","primaryStorageUuid":"\#(primaryStorageUuid)","kvmHostAddons":{}"#
    }

    /// `HasThreadContext`: the API the MN cancels and reports progress under.
    static let threadContext = #"""
        "threadContext":{"api":"\#(apiID)","task-name":"local-storage"},"threadContextStack":[],
        "taskContext":{"__messagetimeout__":"1800000","__messagedeadline__":"1796200000000"}
        """#

    /// Any body: `fields` are the command's own, already JSON.
    static func body(_ root: String, _ fields: String, threadContext: Bool = false) throws -> JSONValue {
        let context = threadContext ? "," + Self.threadContext : ""
        return try WireJSON.decode(JSONValue.self, from: Array("{\(fields),\(agentCommand(root))\(context)}".utf8))
    }

    /// JSON text of a string (a key's newlines escaped too).
    static func quoted(_ text: String) throws -> String {
        String(decoding: try JSONEncoder().encode(text), as: UTF8.self)
    }
}

extension KVMAgentHarness {
    /// Waits until a `.partial` file appears in `folder` (a staged copy is under way), then sends the MN's
    /// `/job/cancel` for `LocalStorageBodies.apiID`, which must succeed.
    func cancelLocalStorageJob(onceStagingIn folder: String) async throws {
        while (try? Files.directoryEntries(folder))?.contains(where: { $0.hasSuffix(".partial") }) != true {
            try await Task.sleep(for: .milliseconds(10))
        }
        var cancelCmd = KVM.CancelCmd()
        cancelCmd.cancellationApiId = LocalStorageBodies.apiID
        let cancel = try await call("/job/cancel", cancelCmd, as: EmptyReply.self)
        #expect(cancel.success, "\(cancel.error ?? "")")
    }
}
