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
}
