import AgentWire

/// The bodies ZStack 5.x's `KVMHost` sends to the snapshot paths, as Gson writes them: primitives always
/// present, nulls left out, plus the `threadContext`/`taskContext` of `HasThreadContext` commands and the
/// `kvmHostAddons` every KVM command carries.
enum SnapshotBodies {
    /// `VolumeTO.valueOf` of a local-storage root volume.
    static func volumeTO(_ path: String, uuid: String) -> String {
        #"""
        {"installPath":"\#(path)","deviceId":0,"deviceType":"file","volumeUuid":"\#(uuid)","useVirtio":true,
         "useVirtioSCSI":false,"shareable":false,"cacheMode":"none","wwn":"0x5000c2a1b2c3d4e5","bootOrder":0,
         "physicalBlockSize":0,"type":"Root","format":"qcow2","primaryStorageType":"LocalStorage","resourceUuid":"\#(uuid)"}
        """#
    }

    static let context = #"""
        "threadContext":{"api":"5b1d2f3e4a5b6c7d8e9f0a1b2c3d4e5f","task-name":"snapshot"},"threadContextStack":[],
        "taskContext":{"__messagetimeout__":"1800000","__messagedeadline__":"1796200000000"},
        "kvmHostAddons":{"qcow2Options":" -o cluster_size=2097152 "}
        """#

    /// `TakeSnapshotCmd` from `doTakeSnapshot`: `vmUuid` and `online` only for a volume attached to a VM;
    /// `newVolumeInstallPath` only when an extension sets it.
    static func takeSnapshot(vm: String?, online: Bool, volume: String, volumeUuid: String, installPath: String,
                             full: Bool, newVolumeInstallPath: String? = nil) throws -> JSONValue {
        let vmField = vm.map { #""vmUuid":"\#($0)","# } ?? ""
        let newVolume = newVolumeInstallPath.map { #""newVolumeInstallPath":"\#($0)","# } ?? ""
        return try json(#"""
            {\#(vmField)"volumeUuid":"\#(volumeUuid)","volume":\#(volumeTO(volume, uuid: volumeUuid)),
             "installPath":"\#(installPath)","fullSnapshot":\#(full),"volumeInstallPath":"\#(volume)",\#(newVolume)
             "online":\#(online),"timeout":1800000,"isBaremetal2InstanceOnlineSnapshot":false,
             "primaryStorageUuid":"1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f",\#(context)}
            """#)
    }

    /// `CheckSnapshotCmd` from `doCheckSnapshot` (not a `HasThreadContext` command).
    static func checkSnapshot(vm: String?, volumeUuid: String, current: String, chain: [String: Int],
                              exclude: [String]) throws -> JSONValue {
        let vmField = vm.map { #""vmUuid":"\#($0)","# } ?? ""
        let chainJSON = chain.map { #""\#($0.key)":\#($0.value)"# }.joined(separator: ",")
        let excludeJSON = exclude.map { #""\#($0)""# }.joined(separator: ",")
        return try json(#"""
            {\#(vmField)"volumeUuid":"\#(volumeUuid)","currentInstallPath":"\#(current)",
             "excludeInstallPaths":[\#(excludeJSON)],"volumeChainToCheck":{\#(chainJSON)},
             "kvmHostAddons":{}}
            """#)
    }

    /// `MergeSnapshotCmd` from `mergeVolumeSnapshot`: `srcPath` is null (left out) without a `from` snapshot.
    static func mergeSnapshot(vm: String?, volume: String, volumeUuid: String, srcPath: String?, full: Bool) throws -> JSONValue {
        let vmField = vm.map { #""vmUuid":"\#($0)","# } ?? ""
        let src = srcPath.map { #""srcPath":"\#($0)","# } ?? ""
        return try json(#"""
            {\#(vmField)"volume":\#(volumeTO(volume, uuid: volumeUuid)),\#(src)"destPath":"\#(volume)",
             "fullRebase":\#(full),\#(context)}
            """#)
    }

    /// `BlockCommitVolumeCmd` from `doCommitVolume` (`volumeUuid` is never set there).
    static func blockCommit(vm: String?, volume: String, volumeUuid: String, top: String, base: String) throws -> JSONValue {
        let vmField = vm.map { #""vmUuid":"\#($0)","# } ?? ""
        return try json(#"""
            {\#(vmField)"volume":\#(volumeTO(volume, uuid: volumeUuid)),"top":"\#(top)","base":"\#(base)",\#(context)}
            """#)
    }

    private static func json(_ text: String) throws -> JSONValue {
        try WireJSON.decode(JSONValue.self, from: Array(text.utf8))
    }
}
