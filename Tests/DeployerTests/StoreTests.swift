@testable import Deployer
import Foundation
import TestSupport
import Testing

/// The store several deployer instances share: migrations safe to run at once, one upgrade at a time
/// fleet-wide, host leases, runs of a dead instance interrupted and taken over by exactly one other — each
/// on the engine the suite runs on (SQLite, or PostgreSQL with `ZSTACK_TEST_DATABASE=postgres`).
struct StoreTests {
    /// Two instances opening a new store at the same moment both come up, and every migration ran once.
    @Test func instancesOpeningANewStoreTogetherMigrateItOnce() async throws {
        try await withStore("migrate") { location in
            async let first = Inventory(location: location)
            async let second = Inventory(location: location)
            let (a, b) = try await (first, second)
            let applied = try await a.backend.read(SQLStatement("SELECT identifier FROM \(a.dialect.migrationsTable) ORDER BY identifier"))
                .map { try $0.text("identifier") }
            #expect(applied == InventorySchema.migrations.map(\.identifier).sorted())
            #expect(a.instanceId != b.instanceId)
            await a.close()
            await b.close()
        }
    }

    @Test func oneUpgradeRunsAtATimeWhicheverInstanceAsks() async throws {
        try await withStore("one-upgrade") { location in
            let a = try await Inventory(location: location), b = try await Inventory(location: location)
            let running = try await a.createRun(Self.run(.upgrade))
            let refused = await #expect(throws: DeployerError.self) { try await b.createRun(Self.run(.upgrade)) }
            #expect(refused?.kind == .busy)
            #expect(refused?.message.contains("upgrade run \(running.id!) is in progress (instance \(a.instanceId)") == true,
                    "\(refused?.message ?? "")")
            // Other kinds of run go on beside it; a finished upgrade frees the slot.
            _ = try await b.createRun(Self.run(.reconnect))
            try await a.finishRun(running.id!, status: .succeeded, message: "done")
            let next = try await b.createRun(Self.run(.upgrade))
            #expect(try await a.activeUpgrade()?.id == next.id)
            #expect(try await a.activeUpgrade()?.ownerInstance == b.instanceId)
            await a.close()
            await b.close()
        }
    }

    @Test func aHostIsLeasedToOneRunAtATime() async throws {
        try await withStore("leases") { location in
            let a = try await Inventory(location: location), b = try await Inventory(location: location)
            let first = try await a.createRun(Self.run(.upgrade)), second = try await b.createRun(Self.run(.reconnect))
            let taken = try await a.acquireLeases(["h1", "h2"], runId: first.id!)
            #expect(taken.busy.isEmpty && !taken.runLost)
            let contested = try await b.acquireLeases(["h2", "h3"], runId: second.id!)
            #expect(contested.busy == ["h2": first.id!], "h2 is the upgrade's; h3 was free")
            #expect(!contested.runLost)
            #expect(try await a.acquireLeases(["h1"], runId: first.id!).busy.isEmpty, "a run's own lease is its again")
            try await a.releaseLeases(["h2"], runId: first.id!)
            #expect(try await b.acquireLeases(["h2"], runId: second.id!).busy.isEmpty, "released, then taken")
            await a.close()
            await b.close()
        }
    }

    /// An instance that ends (here: unregisters; a killed one is seen by its pid or lease) leaves its runs
    /// interrupted and its hosts free; of two instances resuming the run, exactly one gets it; the old owner,
    /// should it come back, finds the run is no longer its own.
    @Test func aDeadInstancesUpgradeIsTakenOverByExactlyOneOther() async throws {
        try await withStore("takeover") { location in
            let dead = try await Inventory(location: location)
            let b = try await Inventory(location: location), c = try await Inventory(location: location)
            let run = try await dead.createRun(Self.run(.upgrade))
            _ = try await dead.acquireLeases(["h1"], runId: run.id!)
            try await dead.instance.unregister(from: dead.backend)

            let interrupted = try #require(try await b.interruptedUpgrade())
            #expect(interrupted.id == run.id)
            #expect(interrupted.message?.contains("its instance (\(dead.instanceId)) ended") == true)
            #expect(try await b.activeUpgrade() == nil)
            async let byB = b.resumeRun(run.id!)
            async let byC = c.resumeRun(run.id!)
            let (resumedByB, resumedByC) = try await (byB, byC)
            #expect([resumedByB, resumedByC].filter { $0 }.count == 1, "one instance takes it over")
            let owner = resumedByB ? b : c
            #expect(try await owner.run(run.id!)?.ownerInstance == owner.instanceId)
            #expect(try await owner.acquireLeases(["h1"], runId: run.id!).busy.isEmpty, "the dead owner's lease went with it")
            #expect(try await dead.acquireLeases(["h2"], runId: run.id!).runLost, "the old owner must stop")
            await b.close()
            await c.close()
        }
    }

    /// Instances on other machines are judged by their lease alone: unexpired, their run stands (their
    /// pid means nothing here); expired, it is interrupted.
    @Test func anotherMachinesInstanceCountsUntilItsLeaseExpires() async throws {
        try await withStore("lease-expiry") { location in
            let here = try await Inventory(location: location)
            let dialect = here.dialect
            for (id, seconds) in [("elsewhere-live", 600), ("elsewhere-dead", -600)] {
                _ = try await here.backend.transaction([
                    SQLStatement("""
                        INSERT INTO instance (id, machine, pid, hostname, startedAt, expiresAt)
                        VALUES (?, 'another-boot-id', 999999, 'far', \(dialect.now), \(dialect.nowPlusSeconds))
                        """, [.text(id), .integer(Int64(seconds))]),
                    SQLStatement("""
                        INSERT INTO run (kind, "trigger", status, ownerPid, ownerInstance, startedAt)
                        VALUES ('reconnect', 'test', 'running', 999999, ?, ?)
                        """, [.text(id), .date(Date())]),
                ])
            }
            try await here.markOrphanedRuns()
            let runs = Dictionary(uniqueKeysWithValues: try await here.runs().map { ($0.ownerInstance ?? "", $0.status) })
            #expect(runs == ["elsewhere-live": .running, "elsewhere-dead": .interrupted])
            let instances = try await here.backend.read(SQLStatement("SELECT id FROM instance ORDER BY id")).map { try $0.text("id") }
            #expect(instances.sorted() == ["elsewhere-live", here.instanceId].sorted(), "the expired instance is forgotten")
            await here.close()
        }
    }

    @Test func aStoreThatCannotBeOpenedSaysWhereAndWhy() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("not-a-store-\(UUID().uuidString)")
        try Data("this is not SQLite".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let error = await #expect(throws: DeployerError.self) { try await Inventory(location: file.path) }
        #expect(error?.message.contains(file.path) == true, "\(error?.message ?? "")")
    }

    /// A PostgreSQL URL whose server refuses its password: the message names the store, never the password.
    @Test func aStoreURLsPasswordIsNeverShown() async throws {
        let good = try await TestDatabase.freshDatabase(label: "password")
        let wrong = good.replacingOccurrences(of: #"(://[^:]+:)[^@]+@"#, with: "$1not-the-password-4711@", options: .regularExpression)
        #expect(wrong != good)
        let error = await #expect(throws: DeployerError.self) { try await Inventory(location: wrong) }
        #expect(error?.message.contains("not-the-password-4711") == false, "\(error?.message ?? "")")
        #expect(error?.message.contains("127.0.0.1") == true, "\(error?.message ?? "")")
        #expect(StoreLocation.shown("postgres://u:secret@h:5432/d?x").contains("secret") == false)
        #expect(StoreLocation.shown("postgres://u:se@cret@h:bad").contains("se@cret") == false)
    }

    static func run(_ kind: RunKind) -> RunRecord {
        RunRecord(kind: kind, trigger: "test", status: .running, ownerPid: getpid(), startedAt: Date())
    }
}

/// A fresh store for one test on the engine the suite runs on, removed afterwards.
func withStore(_ label: String, _ body: (String) async throws -> Void) async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(label)-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    try await body(try await TestStore.location(label, directory: directory))
}

enum TestStore {
    /// A PostgreSQL database when the suite runs on PostgreSQL, else a SQLite file in `directory`.
    static func location(_ label: String, directory: URL) async throws -> String {
        try await TestDatabase.url(label: label) ?? directory.appendingPathComponent("inventory.sqlite").path
    }
}
