import AgentWire
import Foundation

/// A JSON document as the fuzzer edits it: objects keep their member order and may hold a key twice, and
/// scalars are kept as their exact text, so a mutation can write what no encoder would (`1e308`, `2^64`
/// as a literal, a lone surrogate escape, a duplicated key).
indirect enum JSONTree: Sendable {
    case scalar(String)
    case array([JSONTree])
    case object([(key: String, value: JSONTree)])

    /// Parses a corpus body (valid JSON by construction; a broken corpus entry is a test bug).
    init(parsing text: String) throws {
        self.init(try WireJSON.decode(JSONValue.self, from: Array(text.utf8)))
    }

    init(_ value: JSONValue) {
        switch value {
        case .null: self = .scalar("null")
        case .bool(let flag): self = .scalar(flag ? "true" : "false")
        case .number(let number):
            self = .scalar(number.rounded() == number && abs(number) < 9e15 ? String(Int64(number)) : String(number))
        case .string(let text): self = .string(text)
        case .array(let items): self = .array(items.map(JSONTree.init))
        case .object(let members):
            // JSONValue's dictionary has no order; sorting keeps a seed's bodies identical from run to run.
            self = .object(members.sorted { $0.key < $1.key }.map { (key: $0.key, value: JSONTree($0.value)) })
        }
    }

    static func string(_ text: String) -> JSONTree { .scalar(Self.quoted(text)) }

    var isContainer: Bool {
        if case .scalar = self { return false }
        return true
    }

    /// The document's text.
    var text: String {
        var out = ""
        write(to: &out)
        return out
    }

    private func write(to out: inout String) {
        switch self {
        case .scalar(let raw): out += raw
        case .array(let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                item.write(to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (index, member) in members.enumerated() {
                if index > 0 { out += "," }
                out += Self.quoted(member.key)
                out += ":"
                member.value.write(to: &out)
            }
            out += "}"
        }
    }

    /// A JSON string literal; every control character escaped, NUL included, so the text stays valid JSON.
    static func quoted(_ text: String) -> String {
        var out = "\""
        out.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
