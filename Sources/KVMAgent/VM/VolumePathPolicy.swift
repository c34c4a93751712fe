import HostSystem

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Which host paths a VM may be given as a disk or CD-ROM, and `/host/checkfile` may probe: files inside the
/// configured storage roots, and block devices of the layouts ZStack uses. Without it, a `/vm/start` naming
/// `/etc/shadow` or the host's own disk would hand them to the guest.
public struct VolumePathPolicy: Sendable {
    public let roots: PermittedRoots
    /// Block-device directories accepted besides ZStack's shared-block layout `/dev/<32-hex VG>/<LV>`.
    public let blockDeviceDirectories: [String]

    public static let defaultBlockDeviceDirectories = ["/dev/mapper/", "/dev/disk/by-id/", "/dev/disk/by-path/"]

    public init(roots: PermittedRoots, blockDeviceDirectories: [String] = Self.defaultBlockDeviceDirectories) {
        self.roots = roots
        self.blockDeviceDirectories = blockDeviceDirectories
    }

    /// Refuses a path outside the policy, then one that does not exist (the test driver never opens disk
    /// files, and qemu would only fail later with a less clear message).
    /// - Parameter what: the device, named in the error.
    func check(_ path: String?, _ what: String) throws(KVMAgentError) {
        guard let path else { return }
        guard permits(path) else {
            throw KVMAgentError(.vm, "\(what): '\(path)' is outside the storage roots this agent serves (\(roots)) and is not a block device it may attach")
        }
        guard FileManager.default.fileExists(atPath: path) else {
            throw KVMAgentError(.vm, "\(what): installPath '\(path)' does not exist on this host")
        }
    }

    func permits(_ path: String) -> Bool {
        if roots.permits(path) { return true }
        guard (try? ConfinedRoot("/").resolve(path)) != nil || !Files.exists(path) else { return false }
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        guard !components.contains("..") && !components.contains(".") else { return false }
        if blockDeviceDirectories.contains(where: { path.hasPrefix($0) && path.count > $0.count && !path.dropFirst($0.count).contains("/") }) {
            return true
        }
        // Shared block storage: /dev/<VG named by the primary storage uuid>/<LV named by the volume>.
        return components.count == 4 && components[0].isEmpty && components[1] == "dev"
            && components[2].count == 32 && components[2].allSatisfy(\.isHexDigit)
            && !components[3].isEmpty && components[3].allSatisfy { $0.isLetter || $0.isNumber || "_-.".contains($0) }
    }
}
