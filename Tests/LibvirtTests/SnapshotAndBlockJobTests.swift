import Libvirt
import Testing

/// What the test driver answers to the calls of live volume snapshots, pinned here because the KVM agent
/// turns exactly these answers into "the driver does not support ..." (its stopped-VM path covers the rest).
@Suite("Libvirt snapshot and block-job calls on the test driver")
struct SnapshotAndBlockJobTests {
    @Test("disk-only snapshots are unsupported flags; block pull, commit and job info are unsupported calls")
    func theTestDriversAnswers() async throws {
        let connection = try await TestDomains.openDefault()
        let name = TestDomains.uniqueName("snap")
        let domain = try await connection.defineDomain(xml: TestDomains.xml(name: name))
        try await domain.start()
        let snapshot = #"<domainsnapshot><disks><disk name="vda" snapshot="external"/></disks></domainsnapshot>"#
        let diskOnly = await #expect(throws: LibvirtError.self) { try await domain.createSnapshot(xml: snapshot, [.diskOnly, .noMetadata, .atomic]) }
        #expect(diskOnly?.code == .invalidArgument && diskOnly?.message.contains("unsupported flags") == true, "\(diskOnly.map { "\($0)" } ?? "")")
        let pull = await #expect(throws: LibvirtError.self) { try await domain.startBlockPull(disk: "vda", base: nil) }
        let commit = await #expect(throws: LibvirtError.self) { try await domain.startBlockCommit(disk: "vda", base: "/b", top: "/t", [.active]) }
        let info = await #expect(throws: LibvirtError.self) { _ = try await domain.blockJob(disk: "vda") }
        let abort = await #expect(throws: LibvirtError.self) { try await domain.endBlockJob(disk: "vda", pivot: true) }
        for error in [pull, commit, info, abort] { #expect(error?.code == .noSupport, "\(error.map { "\($0)" } ?? "")") }
        #expect(pull?.operation == "virDomainBlockRebase" && info?.operation == "virDomainGetBlockJobInfo")
        try await domain.destroy()
        try await domain.undefine()
        domain.close()
        await connection.close()
    }
}
