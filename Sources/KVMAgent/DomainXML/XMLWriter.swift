/// A tiny XML writer that escapes every text and attribute value it is given.
///
/// Element and attribute names are the builder's own constants; values come from the MN and are never
/// interpolated raw. Characters XML 1.0 cannot carry at all (most C0 controls) become U+FFFD, so a hostile
/// value can neither break the document nor make libvirt's parser fail on it.
///
/// Hand-written rather than a libxml2 DOM: building a domain is the hot path of `/vm/start`, and string
/// appends with this escaping cost a fraction of a DOM built and serialised through libxml2. Reading
/// libvirt's XML back (device addresses, VNC ports) does use libxml2 (`XMLTree`), where a parser earns its keep.
struct XMLWriter {
    private(set) var output = ""
    private var depth = 0

    /// Writes `<name attributes>` children `</name>`; attributes whose value is nil are left out.
    mutating func element(_ name: String, _ attributes: KeyValuePairs<String, String?> = [:],
                          _ children: (inout XMLWriter) throws(KVMAgentError) -> Void) throws(KVMAgentError) {
        line("<\(name)\(Self.render(attributes))>")
        depth += 1
        try children(&self)
        depth -= 1
        line("</\(name)>")
    }

    /// Writes `<name attributes>text</name>`.
    mutating func element(_ name: String, _ attributes: KeyValuePairs<String, String?> = [:], text: String) {
        line("<\(name)\(Self.render(attributes))>\(Self.escape(text))</\(name)>")
    }

    /// Writes `<name attributes/>`.
    mutating func empty(_ name: String, _ attributes: KeyValuePairs<String, String?> = [:]) {
        line("<\(name)\(Self.render(attributes))/>")
    }

    private mutating func line(_ text: String) {
        output += String(repeating: "  ", count: depth) + text + "\n"
    }

    private static func render(_ attributes: KeyValuePairs<String, String?>) -> String {
        attributes.reduce(into: "") { result, attribute in
            if let value = attribute.value { result += " \(attribute.key)=\"\(escape(value))\"" }
        }
    }

    static func escape(_ value: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(value.utf8.count)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&apos;"
            case "\t", "\n", "\r": escaped += "&#\(scalar.value);"
            case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF:
                escaped.unicodeScalars.append("\u{FFFD}")
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }
}
