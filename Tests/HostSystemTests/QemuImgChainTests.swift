import HostSystem
import Testing
import TestSupport

/// `QemuImg.backingChain` against images made by the real qemu-img: the walk reads one header at a time, so
/// it can stop before opening a file it was told to refuse, and a chain whose headers loop is an error.
@Suite struct QemuImgChainTests {
    struct Refused: Error {}

    @Test func theChainIsReadTopFirstStopsWhereRefusedAndALoopIsAnError() async throws {
        try await TemporaryDirectory.with("zstack-qemuimg") { directory in
            let qemuImg = QemuImg()
            let (base, middle, top) = (directory + "/base.qcow2", directory + "/middle.qcow2", directory + "/top.qcow2")
            try await qemuImg.create(base, size: 1 << 20)
            try await qemuImg.create(middle, backing: base, backingFormat: "qcow2")
            try await qemuImg.create(top, backing: middle, backingFormat: "qcow2")
            #expect(try await qemuImg.backingChain(top).map(\.path) == [top, middle, base])

            var asked: [String] = []
            await #expect(throws: Refused.self) {
                _ = try await qemuImg.backingChain(top) { path in
                    asked.append(path)
                    if path == base { throw Refused() }
                }
            }
            #expect(asked == [top, middle, base])

            // base now names top as its backing file: base -> top -> middle -> base.
            try await ProcessRunner().run("qemu-img", ["rebase", "-u", "-f", "qcow2", "-F", "qcow2", "-b", top, base])
            let loop = await #expect(throws: FileSystemError.self) { try await qemuImg.backingChain(top) }
            #expect(loop?.description.contains("it loops or is deeper than \(QemuImg.backingChainLimit) images at \(top)") == true,
                    "\(loop.map { "\($0)" } ?? "")")
        }
    }

    /// The header read without qemu-img agrees with qemu-img on real images, and a header whose name is too
    /// long, lies past the end or belongs to no qcow2 file gives no backing file instead of a wild read.
    @Test func theBackingFileIsReadFromTheHeaderAndDamagedHeadersNameNone() async throws {
        try await TemporaryDirectory.with("zstack-qemuimg") { directory in
            let qemuImg = QemuImg()
            let (base, top, raw) = (directory + "/base.qcow2", directory + "/top.qcow2", directory + "/disk.raw")
            try await qemuImg.create(base, size: 1 << 20)
            try await qemuImg.create(top, backing: base, backingFormat: "qcow2")
            #expect(try QemuImg.headerBackingFile(top) == base)
            #expect(try QemuImg.headerBackingFile(top) == (try await qemuImg.info(top).backingFilename))
            #expect(try QemuImg.headerBackingFile(base) == nil)
            try Files.writeAtomically(Array(repeating: 0x51, count: 4096), to: raw)
            #expect(try QemuImg.headerBackingFile(raw) == nil)

            // Bytes 16-19 hold the name's length: 4096 is more than qcow2 allows.
            var header = try Files.read(top)
            header.replaceSubrange(16..<20, with: [0, 0, 0x10, 0])
            try Files.writeExisting(header, to: top)
            #expect(try QemuImg.headerBackingFile(top) == nil)
            // Bytes 8-15 hold the name's offset: past the end of the file, the read comes up short.
            header.replaceSubrange(8..<20, with: [0, 0, 0, 0, 0x7f, 0, 0, 0, 0, 0, 0, 8])
            try Files.writeExisting(header, to: top)
            #expect(throws: FileSystemError.self) { try QemuImg.headerBackingFile(top) }
            #expect(throws: FileSystemError.self) { try QemuImg.headerBackingFile(directory + "/missing.qcow2") }
        }
    }
}
