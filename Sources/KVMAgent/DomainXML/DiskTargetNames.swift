/// Assigns libvirt target names (`vda`, `sdb`, `hdc`) so none is used twice.
///
/// A volume keeps the letter of its ZStack `deviceId` (root 0 → `a`, first data volume 1 → `b`), as the
/// Python agent does, so names stay stable across restarts and hot-plug. CD-ROMs are `hdc`, `hdd`, `hde`
/// by their `deviceId`, the names the MN's ISO attach and detach address them by; IDE volumes therefore
/// skip those three letters, as the Python agent's all-IDE layout does.
struct DiskTargetNames {
    private static let letters = Array("abcdefghijklmnopqrstuvwxyz")
    static let cdromLetters = Array("cde")
    private static let ideVolumeLetters = letters.filter { !cdromLetters.contains($0) }
    private var used: Set<String> = []

    /// The name for a volume with this prefix (`vd`, `sd`, `hd`) and `deviceId`.
    mutating func volume(prefix: String, deviceId: Int, volume: String) throws(KVMAgentError) -> String {
        let letters = prefix == "hd" ? Self.ideVolumeLetters : Self.letters
        guard deviceId >= 0, deviceId < letters.count else {
            throw KVMAgentError(.domainXML, "volume \(volume): deviceId \(deviceId) has no free \(prefix)* target name")
        }
        return try take(prefix + String(letters[deviceId]), "volume \(volume): deviceId \(deviceId)")
    }

    /// The name of the CD-ROM drive with this `deviceId` (0, 1 or 2).
    mutating func cdrom(deviceId: Int, what: String) throws(KVMAgentError) -> String {
        guard Self.cdromLetters.indices.contains(deviceId) else {
            throw KVMAgentError(.domainXML, "\(what): deviceId \(deviceId) is not 0, 1 or 2 (a VM has three CD-ROM drives)")
        }
        return try take("hd" + String(Self.cdromLetters[deviceId]), "\(what): deviceId \(deviceId)")
    }

    private mutating func take(_ name: String, _ what: String) throws(KVMAgentError) -> String {
        guard used.insert(name).inserted else {
            throw KVMAgentError(.domainXML, "\(what) is used twice (target \(name))")
        }
        return name
    }
}
