#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Small file operations on plain path strings, with errors that name the path and the OS's reason.
/// Every function is a thin, blocking system call: fine for metadata, not for bulk data.
public enum Files {
    public enum Kind: Sendable, Equatable {
        case regular, directory, symbolicLink, other
    }

    /// What is at `path` without following a final symbolic link; nil when nothing is there.
    public static func kind(_ path: String) -> Kind? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .regular
        case S_IFDIR: return .directory
        case S_IFLNK: return .symbolicLink
        default: return .other
        }
    }

    /// Whether anything (even a dangling symbolic link) is at `path`.
    public static func exists(_ path: String) -> Bool { kind(path) != nil }

    /// `mkdir -p`: creates `path` and its missing parents with `mode` (before the umask).
    /// An existing directory is fine; an existing non-directory is an error.
    public static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws(FileSystemError) {
        switch kind(path) {
        case .directory: return
        case nil: break
        default: throw FileSystemError("create directory", path, code: ENOTDIR)
        }
        let parent = parentDirectory(of: path)
        if parent != path { try makeDirectories(parent, mode: mode) }
        // EEXIST after the check means a concurrent creator won the race: fine if it made a directory.
        guard mkdir(path, mode) == 0 || (errno == EEXIST && kind(path) == .directory) else {
            throw FileSystemError("create directory", path)
        }
    }

    /// `mkdir -p` that reports what it made: the directories that did not exist, outermost first, so that a
    /// caller whose next step fails can take them away again with `removeDirectoriesIfEmpty`. A failure
    /// removes what it made itself.
    public static func makeDirectoriesReportingCreated(_ path: String, mode: mode_t = 0o755) throws(FileSystemError)
        -> [String]
    {
        var missing: [String] = []
        var cursor = path
        while !exists(cursor), cursor != "/" {
            missing.insert(cursor, at: 0)
            cursor = parentDirectory(of: cursor)
        }
        do {
            try makeDirectories(path, mode: mode)
        } catch {
            removeDirectoriesIfEmpty(missing)
            throw error
        }
        return missing
    }

    /// Removes the directories that are empty, deepest (last) first.
    public static func removeDirectoriesIfEmpty(_ directories: [String]) {
        for path in directories.reversed() { removeDirectoryIfEmpty(path) }
    }

    /// Writes `bytes` to a temporary file beside `path`, flushes it and renames it over `path`, so readers see
    /// the old content or the new one, never a torn file. The file gets exactly `mode`: the temporary file is
    /// created private to this process and `fchmod`ed, so the umask cannot change it and the content is never
    /// readable by more than `mode` allows.
    public static func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws(FileSystemError) {
        let temporary = try writeTemporary(bytes, beside: path, mode: mode)
        guard rename(temporary, path) == 0 else {
            let failure = FileSystemError("rename into place", path)
            unlink(temporary)
            throw failure
        }
    }

    /// `writeAtomically` that never replaces: the complete file appears at `path` only if nothing is there
    /// (`link(2)` of the flushed temporary file, which fails on an existing name). Returns false, writing
    /// nothing, when something already is: of two processes creating the same file at once, one wins and
    /// the other reads the winner's.
    public static func createAtomically(_ bytes: [UInt8], at path: String, mode: mode_t = 0o644) throws(FileSystemError) -> Bool {
        let temporary = try writeTemporary(bytes, beside: path, mode: mode)
        defer { unlink(temporary) }
        if link(temporary, path) == 0 { return true }
        if errno == EEXIST { return false }
        throw FileSystemError("create", path)
    }

    /// A new file beside `path` holding `bytes`, flushed, with exactly `mode`; its path.
    private static func writeTemporary(_ bytes: [UInt8], beside path: String, mode: mode_t) throws(FileSystemError) -> String {
        let temporary = "\(path).tmp-\(getpid())-\(UInt32.random(in: .min ... .max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw FileSystemError("create", temporary) }
        var failure: FileSystemError?
        if fchmod(fd, mode) != 0 { failure = FileSystemError("set the mode of", temporary) }
        var written = 0
        while failure == nil, written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if count < 0, errno != EINTR { failure = FileSystemError("write", temporary) }
            written += max(count, 0)
        }
        if failure == nil, fsync(fd) != 0 { failure = FileSystemError("flush", temporary) }
        close(fd)
        if let failure {
            unlink(temporary)
            throw failure
        }
        return temporary
    }

    /// `writeAtomically` for text that is written only when it differs from what `path` holds, creating the
    /// missing parent directories. Returns whether it wrote: a daemon is reloaded only for a real change.
    @discardableResult
    public static func writeIfChanged(_ text: String, to path: String, mode: mode_t = 0o644) throws(FileSystemError) -> Bool {
        if (try? readText(path)) == text { return false }
        try makeDirectories(parentDirectory(of: path))
        try writeAtomically(Array(text.utf8), to: path, mode: mode)
        return true
    }

    /// The whole content of the file at `path` (following symbolic links). For small files: configuration,
    /// pid files, certificates, `/proc` entries.
    public static func read(_ path: String) throws(FileSystemError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileSystemError("read", path) }
        defer { close(fd) }
        var content: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            // A Result, not a throwing closure: withUnsafeMutableBytes would widen the error to `any Error`.
            let count = try chunk.withUnsafeMutableBytes { buffer in
                Result { () throws(FileSystemError) in try readSome(fd, into: buffer, path) }
            }.get()
            if count == 0 { return content }
            content.append(contentsOf: chunk[..<count])
        }
    }

    /// One `read` of `fd` into `buffer`, retried when a signal interrupts it: the byte count, 0 at the end.
    static func readSome(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, _ path: String) throws(FileSystemError) -> Int {
        while true {
            let count = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            if errno != EINTR { throw FileSystemError("read", path) }
        }
    }

    /// `read` decoded as UTF-8 (invalid bytes replaced).
    public static func readText(_ path: String) throws(FileSystemError) -> String {
        String(decoding: try read(path), as: UTF8.self)
    }

    /// Writes `bytes` into an existing file, in one `write`, without creating or truncating it: for kernel
    /// knobs such as `/proc/<pid>/oom_score_adj`, where a temp file and rename cannot work.
    public static func writeExisting(_ bytes: [UInt8], to path: String) throws(FileSystemError) {
        let fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { throw FileSystemError("open", path) }
        defer { close(fd) }
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw FileSystemError("write", path) }
    }

    /// Sets the permission bits of `path` to exactly `mode` (the umask plays no part).
    public static func setMode(_ path: String, _ mode: mode_t) throws(FileSystemError) {
        guard chmod(path, mode) == 0 else { throw FileSystemError("set the mode of", path) }
    }

    /// Creates an empty file if nothing is at `path` (`touch` without the timestamp update).
    public static func createEmptyFileIfMissing(_ path: String, mode: mode_t = 0o644) throws(FileSystemError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, mode)
        guard fd >= 0 else { throw FileSystemError("create", path) }
        close(fd)
    }

    /// Sets the access and modification times of an existing file to now (`touch` of a file that must
    /// already be there). Returns false when nothing is at `path`.
    @discardableResult
    public static func touchIfPresent(_ path: String) throws(FileSystemError) -> Bool {
        if utimensat(AT_FDCWD, path, nil, 0) == 0 { return true }
        if errno == ENOENT { return false }
        throw FileSystemError("touch", path)
    }

    /// Removes the file or symbolic link at `path`. Returns false when nothing was there.
    @discardableResult
    public static func removeFile(_ path: String) throws(FileSystemError) -> Bool {
        if unlink(path) == 0 { return true }
        if errno == ENOENT { return false }
        throw FileSystemError("remove", path)
    }

    /// Removes the directory at `path` if it is empty; a non-empty or missing directory is left as it is.
    /// Returns whether it was removed.
    @discardableResult
    public static func removeDirectoryIfEmpty(_ path: String) -> Bool {
        rmdir(path) == 0
    }

    /// `rm -rf` without following symbolic links: a link inside is removed, never what it points to.
    /// Nothing at `path` is fine. Callers pass only paths they built inside their own roots.
    public static func removeTree(_ path: String) throws(FileSystemError) {
        switch kind(path) {
        case nil: return
        case .directory:
            for name in try directoryEntries(path) { try removeTree(path + "/" + name) }
            guard rmdir(path) == 0 || errno == ENOENT else { throw FileSystemError("remove", path) }
        default:
            try removeFile(path)
        }
    }

    /// `realpath`: the absolute path with every symbolic link, `.` and `..` resolved. The path must exist.
    public static func canonicalPath(_ path: String) throws(FileSystemError) -> String {
        guard let resolved = realpath(path, nil) else { throw FileSystemError("resolve", path) }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// The directory part of `path` (`dirname`), computed on the string: `/a/b` → `/a`, `/a` → `/`, `a` → `.`.
    public static func parentDirectory(of path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        let parent = trimmed[..<slash]
        return parent.isEmpty ? "/" : String(parent)
    }

    /// The last component of `path` (`basename`), computed on the string: `/a/b` → `b`, `/a/b/` → `b`,
    /// `/` → `/`. FoundationEssentials has no `lastPathComponent` on strings.
    public static func lastComponent(of path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard trimmed != "/", let slash = trimmed.lastIndex(of: "/") else { return String(trimmed) }
        return String(trimmed[trimmed.index(after: slash)...])
    }

    /// The names in the directory at `path`, without `.` and `..`, in no particular order.
    public static func directoryEntries(_ path: String) throws(FileSystemError) -> [String] {
        guard let directory = opendir(path) else { throw FileSystemError("list", path) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
                String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Every regular file below `directory`, at any depth, without following symbolic links (a link to a
    /// folder outside is not descended into, a link to a file is not listed).
    public static func regularFiles(under directory: String) throws(FileSystemError) -> [String] {
        var files: [String] = []
        var pending = [directory]
        while let folder = pending.popLast() {
            for name in try directoryEntries(folder) {
                let path = folder == "/" ? "/" + name : folder + "/" + name
                switch kind(path) {
                case .regular: files.append(path)
                case .directory: pending.append(path)
                default: break
                }
            }
        }
        return files
    }

    /// The permission bits of the file at `path` (`st_mode & 0o7777`, following a final symbolic link).
    public static func permissions(_ path: String) throws(FileSystemError) -> mode_t {
        var info = stat()
        guard stat(path, &info) == 0 else { throw FileSystemError("read the mode of", path) }
        return info.st_mode & 0o7777
    }

    /// The size in bytes of the file at `path` (`st_size`, following a final symbolic link).
    public static func size(_ path: String) throws(FileSystemError) -> Int64 {
        var info = stat()
        guard stat(path, &info) == 0 else { throw FileSystemError("read the size of", path) }
        return Int64(info.st_size)
    }

    /// How many names the file at `path` has (`st_nlink`, not following a final symbolic link).
    public static func linkCount(_ path: String) throws(FileSystemError) -> Int {
        var info = stat()
        guard lstat(path, &info) == 0 else { throw FileSystemError("read the link count of", path) }
        return Int(info.st_nlink)
    }

    /// Whether `first` and `second` are names of the same file.
    public static func sameFile(_ first: String, _ second: String) -> Bool {
        var a = stat(), b = stat()
        return stat(first, &a) == 0 && stat(second, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino
    }

    /// Gives the file `source` the further name `name` (`link(2)`: both must be on one file system).
    public static func hardLink(_ source: String, as name: String) throws(FileSystemError) {
        guard link(source, name) == 0 else { throw FileSystemError("link \(source) as", name) }
    }
}
