/// Assigns libvirt target names (`vda`, `sdb`, `hdc`) so none is used twice.
///
/// A volume keeps the letter of its ZStack `deviceId` (root 0 → `a`, first data volume 1 → `b`), as the
/// Python agent does, so names stay stable across restarts and hot-plug; CD-ROMs take the first free letter.
struct DiskTargetNames {
    /// The IDE bus has two channels with two units each: `hda`–`hdd`.
    static let ideLimit = 4
    private static let letters = Array("abcdefghijklmnopqrstuvwxyz")
    private var used: Set<String> = []

    /// The name for a volume with this prefix (`vd`, `sd`, `hd`) and `deviceId`.
    mutating func volume(prefix: String, deviceId: Int, volume: String) throws(KVMAgentError) -> String {
        guard deviceId >= 0, deviceId < (prefix == "hd" ? Self.ideLimit : Self.letters.count) else {
            throw KVMAgentError(.domainXML, "volume \(volume): deviceId \(deviceId) has no free \(prefix)* target name")
        }
        let name = prefix + String(Self.letters[deviceId])
        guard used.insert(name).inserted else {
            throw KVMAgentError(.domainXML, "volume \(volume): deviceId \(deviceId) is used twice (target \(name))")
        }
        return name
    }

    /// The first free IDE name, for a CD-ROM.
    mutating func nextIDE(for what: String) throws(KVMAgentError) -> String {
        for letter in Self.letters.prefix(Self.ideLimit) where used.insert("hd\(letter)").inserted {
            return "hd\(letter)"
        }
        throw KVMAgentError(.domainXML, "\(what): the IDE bus is full (\(Self.ideLimit) devices at most)")
    }
}
