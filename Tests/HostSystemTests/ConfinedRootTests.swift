import HostSystem
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

@Suite struct ConfinedRootTests {
    @Test func pathsInsideResolveEvenWhenMissing() async throws {
        try await TemporaryDirectory.with("zstack-hostsystem") { directory in
            let root = try ConfinedRoot(directory)
            try Files.makeDirectories("\(directory)/images")
            #expect(try root.resolve("\(directory)/images") == "\(root.path)/images")
            #expect(try root.resolve("\(directory)//images/new/vol.qcow2") == "\(root.path)/images/new/vol.qcow2")
            #expect(try root.resolve(directory + "/") == root.path)
        }
    }

    @Test func dotDotAndRelativePathsAreRefusedBeforeAnyLookup() async throws {
        try await TemporaryDirectory.with("zstack-hostsystem") { directory in
            let root = try ConfinedRoot(directory)
            for hostile in ["\(directory)/../etc/passwd", "\(directory)/a/../../x", "relative/path", "",
                            "\(directory)/./x", "\(directory)/a\0b"] {
                #expect(throws: FileSystemError.self) { try root.resolve(hostile) }
                #expect(!root.contains(hostile))
            }
        }
    }

    @Test func symbolicLinksLeadingOutAreRefused() async throws {
        try await TemporaryDirectory.with("zstack-hostsystem") { directory in
            let root = try ConfinedRoot(directory)
            #expect(symlink("/etc", "\(directory)/escape") == 0)
            #expect(symlink("/etc/passwd", "\(directory)/file-escape") == 0)
            #expect(symlink("\(directory)/inside-target", "\(directory)/inside") == 0)
            try Files.makeDirectories("\(directory)/inside-target")
            let error = try #require(throws: FileSystemError.self) { try root.resolve("\(directory)/escape/passwd") }
            #expect(error.description.contains("outside"))
            #expect(throws: FileSystemError.self) { try root.resolve("\(directory)/escape/new-file") }
            #expect(throws: FileSystemError.self) { try root.resolve("\(directory)/file-escape") }
            #expect(try root.resolve("\(directory)/inside/x") == "\(root.path)/inside-target/x")
        }
    }

    @Test func siblingWithTheSamePrefixIsOutside() async throws {
        try await TemporaryDirectory.with("zstack-hostsystem") { directory in
            try Files.makeDirectories("\(directory)/root")
            try Files.makeDirectories("\(directory)/root-other")
            let root = try ConfinedRoot("\(directory)/root")
            #expect(!root.contains("\(directory)/root-other/x"))
            #expect(root.contains("\(directory)/root/x"))
        }
    }

    @Test func rootMustExist() {
        #expect(throws: FileSystemError.self) { try ConfinedRoot("/nonexistent/zstack-root") }
    }
}
