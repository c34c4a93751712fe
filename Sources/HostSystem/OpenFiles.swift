#if canImport(Glibc)
import Glibc
#endif

/// Which processes hold files open (`lsof`, as ZStack's agent asks it before deleting a volume's files):
/// read from `/proc/<pid>/fd`, so no program is needed. Processes this one may not inspect are not seen.
public enum OpenFiles {
    /// The processes (`name[pid]`) holding open `path` or, for a folder, anything below it.
    public static func holders(of path: String) -> [String] {
        var holders: [String] = []
        for pid in (try? Files.directoryEntries("/proc")) ?? [] where pid.allSatisfy(\.isNumber) {
            let descriptors = (try? Files.directoryEntries("/proc/\(pid)/fd")) ?? []
            let holds = descriptors.contains { descriptor in
                guard let target = linkTarget("/proc/\(pid)/fd/\(descriptor)") else { return false }
                return target == path || target.hasPrefix(path == "/" ? "/" : path + "/")
            }
            if holds {
                let name = (try? Files.readText("/proc/\(pid)/comm"))?.split(separator: "\n").first.map(String.init) ?? "?"
                holders.append("\(name)[\(pid)]")
            }
        }
        return holders
    }

    private static func linkTarget(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
