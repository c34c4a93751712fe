import HostSystem
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

@Suite struct FilesTests {
    @Test func makeDirectoriesCreatesParentsWithModeAndIsIdempotent() async throws {
        try await TemporaryDirectory.with("zstack-hostsystem") { directory in
            let deep = "\(directory)/a/b/c"
            let oldMask = umask(0)
            defer { umask(oldMask) }
            try Files.makeDirectories(deep, mode: 0o750)
            try Files.makeDirectories(deep, mode: 0o750)
            #expect(Files.kind(deep) == .directory)
            var info = stat()
            #expect(stat("\(directory)/a", &info) == 0 && info.st_mode & 0o777 == 0o750)
        }
    }

    @Test func removeTreeRemovesLinksNeverWhatTheyPointTo() async throws {
        try await TemporaryDirectory.with("zstack-hostsystem") { directory in
            let outside = "\(directory)/outside"
            try Files.makeDirectories(outside)
            try Files.writeIfChanged("keep", to: outside + "/precious")
            try Files.makeDirectories("\(directory)/tree/a/b")
            try Files.writeIfChanged("x", to: "\(directory)/tree/a/b/file")
            #expect(symlink(outside, "\(directory)/tree/a/link") == 0)
            try Files.removeTree("\(directory)/tree")
            try Files.removeTree("\(directory)/tree")
            #expect(!Files.exists("\(directory)/tree"))
            #expect(try Files.readText(outside + "/precious") == "keep")
        }
    }

    @Test func makeDirectoriesReportsWhatItCreatedSoItCanBeUndone() async throws {
        try await TemporaryDirectory.with("zstack-hostsystem") { directory in
            try Files.makeDirectories("\(directory)/kept")
            let created = try Files.makeDirectoriesReportingCreated("\(directory)/kept/x/y")
            #expect(created == ["\(directory)/kept/x", "\(directory)/kept/x/y"])
            Files.removeDirectoriesIfEmpty(created)
            #expect(Files.kind("\(directory)/kept/x") == nil)
            #expect(Files.kind("\(directory)/kept") == .directory, "what existed before stays")
            // A file in the way: an error, and nothing made is left behind.
            try Files.createEmptyFileIfMissing("\(directory)/kept/file")
            #expect(throws: FileSystemError.self) { try Files.makeDirectoriesReportingCreated("\(directory)/kept/file/sub") }
        }
    }

    @Test func makeDirectoriesRefusesAFileInTheWay() async throws {
        try await TemporaryDirectory.with("zstack-hostsystem") { directory in
            try Files.createEmptyFileIfMissing("\(directory)/file")
            let error = try #require(throws: FileSystemError.self) { try Files.makeDirectories("\(directory)/file/sub") }
            #expect(error.code == ENOTDIR)
        }
    }

    @Test func writeAtomicallyReplacesContentAndLeavesNoTemporaryFile() async throws {
        try await TemporaryDirectory.with("zstack-hostsystem") { directory in
            let path = "\(directory)/state"
            try Files.writeAtomically(Array("old".utf8), to: path)
            try Files.writeAtomically(Array("new content".utf8), to: path, mode: 0o600)
            #expect(try await ProcessRunner().run("cat", [path]).text == "new content")
            #expect(try await ProcessRunner().run("ls", ["-A", directory]).text == "state\n")
        }
    }

    @Test func createAtomicallyNeverReplacesAndLeavesNoTemporaryFile() async throws {
        try await TemporaryDirectory.with("zstack-hostsystem") { directory in
            let path = "\(directory)/key"
            let created = try Files.createAtomically(Array("first".utf8), at: path, mode: 0o600)
            let replaced = try Files.createAtomically(Array("second".utf8), at: path, mode: 0o600)
            #expect(created && !replaced)
            #expect(try Files.readText(path) == "first")
            #expect(try Files.permissions(path) == 0o600)
            #expect(try Files.linkCount(path) == 1, "the temporary name is gone")
            #expect(try await ProcessRunner().run("ls", ["-A", directory]).text == "key\n")
        }
    }

    @Test func removeFileReportsWhetherSomethingWasThere() async throws {
        try await TemporaryDirectory.with("zstack-hostsystem") { directory in
            let path = "\(directory)/f"
            try Files.createEmptyFileIfMissing(path)
            #expect(try Files.removeFile(path))
            #expect(try !Files.removeFile(path))
            #expect(!Files.exists(path))
        }
    }

    @Test func parentDirectory() {
        #expect(Files.parentDirectory(of: "/a/b") == "/a")
        #expect(Files.parentDirectory(of: "/a/b/") == "/a")
        #expect(Files.parentDirectory(of: "/a") == "/")
        #expect(Files.parentDirectory(of: "/") == "/")
        #expect(Files.parentDirectory(of: "a") == ".")
    }

    @Test func capacityMatchesDf() async throws {
        try await TemporaryDirectory.with("zstack-hostsystem") { directory in
            let before = try await dfSizeAndAvailable(directory)
            let capacity = try FilesystemCapacity.of(directory)
            let after = try await dfSizeAndAvailable(directory)
            #expect(capacity.totalBytes == before.size)
            // Other processes (parallel suites) write to this filesystem meanwhile: the statvfs reading must
            // lie between the two df readings taken around it, give or take 1% of the disk.
            let slack = capacity.totalBytes / 100
            let low = min(before.available, after.available) - slack
            let high = max(before.available, after.available) + slack
            #expect((low...high).contains(capacity.availableBytes))
            #expect(capacity.availableBytes <= capacity.totalBytes && capacity.totalBytes > 0)
        }
    }

    private func dfSizeAndAvailable(_ path: String) async throws -> (size: Int64, available: Int64) {
        let df = try await ProcessRunner().run("df", ["-B1", "--output=size,avail", path]).text
        let numbers = df.split(separator: "\n")[1].split(separator: " ").compactMap { Int64($0) }
        return (numbers[0], numbers[1])
    }

    @Test func capacityOfAMissingPathFails() {
        let error = #expect(throws: FileSystemError.self) { try FilesystemCapacity.of("/nonexistent/zstack") }
        #expect(error?.code == ENOENT)
    }
}
