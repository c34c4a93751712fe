#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a program is, as `execvp` would find it: a name containing `/` is taken as it is, others are
/// looked up in `PATH`. For checking up front that a program an agent will run later is there.
public enum ExecutableLookup {
    /// The executable file `program` names, or nil when there is none.
    public static func path(of program: String) -> String? {
        if program.contains("/") { return isExecutable(program) ? program : nil }
        let searchPath = getenv("PATH").map { String(cString: $0) } ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in searchPath.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(program)"
            if isExecutable(candidate) { return candidate }
        }
        return nil
    }

    private static func isExecutable(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG && access(path, X_OK) == 0
    }
}
