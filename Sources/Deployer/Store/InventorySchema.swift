/// The inventory's tables, once for both engines. A migration is never edited once released: stores in the
/// field have run it; a change is a new migration at the end.
enum InventorySchema {
    static let migrations: [SchemaMigration] = [
        SchemaMigration(identifier: "v1", steps: [
            .createTable(TableDefinition(name: "host", columns: [
                .text("uuid", notNull: true), .text("name", notNull: true), .text("address", notNull: true),
                .integer("sshPort", notNull: true), .text("user", notNull: true), .text("kind", notNull: true),
                .integer("agentPort", notNull: true), .text("privateKeyPath"), .text("password"),
                .boolean("become", notNull: true), .text("hostKeyFingerprint", notNull: true),
                .text("hostKey", notNull: true), .text("variables", notNull: true), .datetime("addedAt", notNull: true),
                .text("deployedVersion"), .text("lastOutcome"), .text("lastReason"), .integer("lastRunId"),
                .datetime("lastChangeAt"),
            ], primaryKey: ["uuid"], unique: [["address", "sshPort", "kind"]])),
            .createTable(TableDefinition(name: "deployedFile", columns: [
                .text("hostUuid", notNull: true).references("host"), .text("name", notNull: true), .text("md5", notNull: true),
            ], primaryKey: ["hostUuid", "name"])),
            .createTable(TableDefinition(name: "run", columns: [
                .id("id"), .text("kind", notNull: true), .text("trigger", notNull: true), .text("status", notNull: true),
                .integer("ownerPid", notNull: true), .datetime("startedAt", notNull: true), .datetime("finishedAt"),
                .integer("batchSize"), .integer("maxFailPercent"), .text("releases"), .text("message"),
            ])),
            .createTable(TableDefinition(name: "runHost", columns: [
                .integer("runId", notNull: true).references("run"), .text("hostUuid", notNull: true),
                .text("address", notNull: true), .text("kind", notNull: true), .integer("batch"), .text("decision"),
                .text("reason"), .text("outcome", notNull: true), .text("error"), .text("ansibleTail"),
                .datetime("startedAt"), .datetime("finishedAt"),
            ], primaryKey: ["runId", "hostUuid"])),
            .createTable(TableDefinition(name: "runEvent", columns: [
                .id("id"), .integer("runId", notNull: true).references("run"), .datetime("at", notNull: true),
                .text("message", notNull: true),
            ])),
            .createTable(TableDefinition(name: "setting", columns: [
                .text("key", notNull: true), .text("value", notNull: true),
            ], primaryKey: ["key"])),
            .createTable(TableDefinition(name: "hostLease", columns: [
                .text("hostUuid", notNull: true), .integer("runId", notNull: true), .integer("ownerPid", notNull: true),
            ], primaryKey: ["hostUuid"])),
        ]),
        // The decision column is read as `HostDecision.Verdict`: it always held one of its raw values, but a
        // value written by something else must not make the run unreadable.
        SchemaMigration(identifier: "v2-typed-decisions", steps: [
            .sql("UPDATE runHost SET decision = NULL WHERE decision NOT IN ('deploy', 'skip', 'fail')"),
        ]),
        // Several deployer instances on one store: each registers itself and renews its lease; runs and host
        // leases name their instance; at most one upgrade runs fleet-wide, which the engine enforces; the
        // secrets every instance needs, sealed.
        SchemaMigration(identifier: "v3-instances", steps: [
            .createTable(TableDefinition(name: "instance", columns: [
                .text("id", notNull: true), .text("machine", notNull: true), .integer("pid", notNull: true),
                .text("hostname", notNull: true), .datetime("startedAt", notNull: true),
                .datetime("expiresAt", notNull: true),
            ], primaryKey: ["id"])),
            .addColumn(table: "run", .text("ownerInstance")),
            .addColumn(table: "hostLease", .text("ownerInstance")),
            // A run that was running when this migration came cannot be told from a live one; its process
            // is gone (the store is being opened by a new release), so it is interrupted, as before.
            .sql("UPDATE run SET status = 'interrupted', message = 'interrupted by the store''s upgrade' WHERE status = 'running'"),
            .sql("DELETE FROM hostLease"),
            .createIndex(name: "runOneUpgrade", table: "run", columns: ["kind"], unique: true,
                         where: "kind = 'upgrade' AND status = 'running'"),
            .createTable(TableDefinition(name: "secret", columns: [
                .text("name", notNull: true), .blob("sealed", notNull: true), .datetime("updatedAt", notNull: true),
            ], primaryKey: ["name"])),
        ]),
    ]
}
