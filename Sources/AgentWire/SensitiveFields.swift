#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Field names whose values never reach a log: passwords, private keys, console passwords.
public enum SensitiveFields {
    public static let names: Set<String> = [
        "password", "sshKey", "consolePassword", "remote_pass", "remotePass", "ansible_ssh_pass",
        "ansible_become_pass", "backupStorageSshKey", "privateKey", "dstPassword",
    ]

    public static let mask = "*****"

    /// The body as loggable text: JSON with every sensitive field's value replaced by `mask`, at any depth.
    /// A body that is not JSON is summarised by its size rather than echoed, since it may hold anything.
    public static func masked(_ body: some Collection<UInt8>) -> String {
        guard !body.isEmpty else { return "" }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(body)) else {
            return "<\(body.count) bytes, not JSON>"
        }
        guard let data = try? WireJSON.encode(masked(value)) else { return "<unprintable>" }
        return String(decoding: data, as: UTF8.self)
    }

    /// The value with every sensitive member masked.
    public static func masked(_ value: JSONValue) -> JSONValue {
        switch value {
        case let .object(members):
            .object(Dictionary(uniqueKeysWithValues: members.map { key, member in
                (key, names.contains(key) && member != .null ? .string(mask) : masked(member))
            }))
        case let .array(items):
            .array(items.map(masked))
        case let .string(text):
            .string(maskingURLPassword(text))
        default:
            value
        }
    }

    /// `sftp://user:secret@host/path` → `sftp://user:*****@host/path`: download URLs may carry a password.
    static func maskingURLPassword(_ text: String) -> String {
        guard let scheme = text.firstRange(of: "://") else { return text }
        let authority = text[scheme.upperBound...].prefix { $0 != "/" }
        guard let at = authority.lastIndex(of: "@"),
              let colon = authority[..<at].firstIndex(of: ":") else { return text }
        return String(text[..<authority.index(after: colon)]) + mask + String(text[at...])
    }
}
