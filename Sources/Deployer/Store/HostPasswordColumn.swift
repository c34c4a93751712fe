/// A host's stored password (`--store-password`) in the `host.password` column: sealed text
/// (``SecretBox/sealText(_:name:)``) under the host's uuid, so the store holds no password in the clear
/// and a sealed password moved onto another host's row does not open there.
enum HostPasswordColumn {
    static let name = "password"

    /// `host` as its row holds it: its password sealed.
    static func sealed(_ host: HostRecord, box: SecretBox?) throws -> HostRecord {
        guard let password = host.password else { return host }
        var sealed = host
        sealed.password = try usable(box).sealText(password, name: SecretBox.hostPasswordName(host.uuid))
        return sealed
    }

    /// `host` as read from its row, its password opened.
    /// - Throws: `DeployerError` `.environment` for a password that does not open (another key, altered,
    ///   another host's).
    static func opened(_ host: HostRecord, box: SecretBox?) throws -> HostRecord {
        guard let stored = host.password else { return host }
        var opened = host
        opened.password = try usable(box).openText(stored, name: SecretBox.hostPasswordName(host.uuid))
        return opened
    }

    private static func usable(_ box: SecretBox?) throws -> SecretBox {
        guard let box else {
            throw DeployerError(.environment, "the inventory was opened without a key file: it cannot store or read host passwords")
        }
        return box
    }

    /// Seals the passwords an older release stored in the clear, once the store is opened with its key.
    /// Each is replaced only if it is still the plaintext read, so an instance sealing at the same moment
    /// does not get its value sealed twice.
    static func sealPlaintext(in backend: any SQLBackend, box: SecretBox) async throws {
        let rows = try await backend.read(select(sealed: false))
        guard !rows.isEmpty else { return }
        _ = try await backend.transaction(try rows.map { row in
            let uuid = try row.text("uuid"), plaintext = try row.text(name)
            return SQLStatement("UPDATE host SET password = ? WHERE uuid = ? AND password = ?",
                                [.text(try box.sealText(plaintext, name: SecretBox.hostPasswordName(uuid))), .text(uuid),
                                 .text(plaintext)])
        })
    }

    /// The key id of a sealed password in the store, nil when there is none.
    static func keyIdentifier(in backend: any SQLBackend) async throws -> [UInt8]? {
        guard let row = try await backend.read(select(sealed: true, limit: 1)).first else { return nil }
        guard let identifier = SecretBox.sealedBytes(ofText: try row.text(name)).flatMap(SecretBox.keyIdentifier(of:)) else {
            throw DeployerError(.environment, "the password of host \(try row.text("uuid")) in the store is not sealed text: it is corrupt")
        }
        return identifier
    }

    /// The hosts whose password is sealed, or is plaintext. substr, not LIKE: SQLite's LIKE ignores case,
    /// and a plaintext "SEALED:..." is plaintext. The length is written into the statement: PostgreSQL
    /// has no substr for a bound (bigint) length.
    private static func select(sealed: Bool, limit: Int? = nil) -> SQLStatement {
        let prefix = SecretBox.textPrefix
        return SQLStatement("SELECT uuid, password FROM host WHERE password IS NOT NULL AND substr(password, 1, \(prefix.count)) "
            + (sealed ? "=" : "<>") + " ? ORDER BY uuid" + (limit.map { " LIMIT \($0)" } ?? ""), [.text(prefix)])
    }
}
