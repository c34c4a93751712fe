import HostSystem
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `FreedMemory.returnToKernel`, seen page by page with `mincore`.
@Suite struct FreedMemoryTests {
    @Test func freedBlocksBetweenLiveOnesGoBackToTheKernel() throws {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let size = 64 << 10  // under glibc's mmap threshold: the blocks come from the thread's arena
        let blocks = (0..<64).map { _ in malloc(size)! }
        defer { for (index, block) in blocks.enumerated() where Self.keeps(index, of: blocks.count) { free(block) } }
        for block in blocks { memset(block, 1, size) }
        // Freed between blocks still in use, where free() itself never hands pages back.
        let freed = blocks.enumerated().filter { !Self.keeps($0.offset, of: blocks.count) }.map(\.element)
        for block in freed { free(block) }
        func resident(_ block: UnsafeMutableRawPointer) -> Bool {
            // A whole page inside the block, clear of the bookkeeping free() writes at its start.
            let inside = (Int(bitPattern: block) + 2 * page) & ~(page - 1)
            var state: UInt8 = 0
            guard mincore(UnsafeMutableRawPointer(bitPattern: inside), page, &state) == 0 else { return false }
            return state & 1 == 1
        }
        #expect(freed.filter(resident).count == freed.count)
        #expect(FreedMemory.returnToKernel())
        // Other tests' threads may take some of the freed blocks back meanwhile; most stay given back.
        #expect(freed.filter(resident).count < freed.count / 2)
    }

    /// The blocks the test keeps: every 8th, and the last, so that no
    /// freed block borders the arena's top (which free() trims by itself).
    private static func keeps(_ index: Int, of count: Int) -> Bool { index % 8 == 0 || index == count - 1 }
}
