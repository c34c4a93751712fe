import HostSystem
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct FilesTests {
    @Test func makeDirectoriesCreatesParentsWithModeAndIsIdempotent() async throws {
        try await TemporaryDirectory.with { directory in
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

    @Test func makeDirectoriesRefusesAFileInTheWay() async throws {
        try await TemporaryDirectory.with { directory in
            try Files.createEmptyFileIfMissing("\(directory)/file")
            let error = try #require(throws: FileSystemError.self) { try Files.makeDirectories("\(directory)/file/sub") }
            #expect(error.code == ENOTDIR)
        }
    }

    @Test func writeAtomicallyReplacesContentAndLeavesNoTemporaryFile() async throws {
        try await TemporaryDirectory.with { directory in
            let path = "\(directory)/state"
            try Files.writeAtomically(Array("old".utf8), to: path)
            try Files.writeAtomically(Array("new content".utf8), to: path, mode: 0o600)
            #expect(try await ProcessRunner().run("cat", [path]).text == "new content")
            #expect(try await ProcessRunner().run("ls", ["-A", directory]).text == "state\n")
        }
    }

    @Test func removeFileReportsWhetherSomethingWasThere() async throws {
        try await TemporaryDirectory.with { directory in
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
        try await TemporaryDirectory.with { directory in
            let capacity = try FilesystemCapacity.of(directory)
            let df = try await ProcessRunner().run("df", ["-B1", "--output=size,avail", directory]).text
            let numbers = df.split(separator: "\n")[1].split(separator: " ").compactMap { Int64($0) }
            #expect(capacity.totalBytes == numbers[0])
            // Other processes write to this filesystem meanwhile: the free space may move a little.
            #expect(abs(capacity.availableBytes - numbers[1]) < 256 << 20)
            #expect(capacity.availableBytes <= capacity.totalBytes && capacity.totalBytes > 0)
        }
    }

    @Test func capacityOfAMissingPathFails() {
        let error = #expect(throws: FileSystemError.self) { try FilesystemCapacity.of("/nonexistent/zstack") }
        #expect(error?.code == ENOENT)
    }
}
