import Foundation
import HostSystem

/// One deployer process registered in the store. Its row carries a lease that it renews (every third of the
/// lease) by the database's clock; runs and host leases name the instance, and another instance may take a
/// run over once the lease has expired — or at once when both are on the same machine (same boot) and the
/// owner's pid is gone, which is what a killed process looks like to its neighbour.
public struct StoreInstance: Sendable {
    public static let defaultLease: Duration = .seconds(30)

    let id = UUID().uuidString.lowercased()
    /// The kernel's boot id: two processes with the same one can see each other's pids.
    let machine = StoreInstance.bootId
    let pid = getpid()
    let hostname = ProcessInfo.processInfo.hostName
    let lease: Duration

    init(lease: Duration) {
        self.lease = lease
    }

    private var leaseSeconds: Int64 { max(1, lease.components.seconds) }

    private func upsert(_ dialect: SQLDialect) -> SQLStatement {
        SQLStatement("""
            INSERT INTO instance (id, machine, pid, hostname, startedAt, expiresAt)
            VALUES (?, ?, ?, ?, \(dialect.now), \(dialect.nowPlusSeconds))
            ON CONFLICT (id) DO UPDATE SET expiresAt = excluded.expiresAt
            """, [.text(id), .text(machine), .integer(Int64(pid)), .text(hostname), .integer(leaseSeconds)])
    }

    func register(in backend: any SQLBackend) async throws {
        _ = try await backend.transaction(upsert(backend.dialect))
    }

    /// Renews the lease until cancelled. A failed renewal (the database unreachable for a moment) is retried
    /// at the next tick; if the outage outlasts the lease, other instances may take this one's runs over,
    /// and this one finds out at its next batch (``Inventory/acquireLeases(_:runId:)``).
    func keepRenewing(in backend: any SQLBackend) async {
        let tick = lease / 3
        while !Task.isCancelled {
            try? await Task.sleep(for: tick)
            guard !Task.isCancelled else { return }
            _ = try? await backend.transaction(upsert(backend.dialect))
        }
    }

    func unregister(from backend: any SQLBackend) async throws {
        _ = try await backend.transaction([
            SQLStatement("DELETE FROM hostLease WHERE ownerInstance = ?", [.text(id)]),
            SQLStatement("DELETE FROM instance WHERE id = ?", [.text(id)]),
        ])
    }

    /// Whether the owner of a running run is gone, from what the store says of it.
    func ownerIsGone(machine: String?, pid: Int64?, expired: Bool) -> Bool {
        guard let machine, let pid else { return true }  // no row: it unregistered, or its row was removed
        if expired { return true }
        return machine == self.machine && Int32(exactly: pid).map { !ProcessTable.isAlive($0) } ?? true
    }

    private static var bootId: String {
        (try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? ProcessInfo.processInfo.hostName
    }
}
