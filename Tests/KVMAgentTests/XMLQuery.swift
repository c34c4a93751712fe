import XML

/// Parses XML for assertions with a real parser (libxml2, through the agent's own `XMLTree`), so a test
/// fails if the builder's output is not well-formed, and answers XPath queries.
struct XMLQuery {
    let document: XMLTree

    init(_ text: String) throws {
        document = try XMLTree(parsing: text)
    }

    /// The string values of every node the XPath selects.
    func values(_ xpath: String) throws -> [String] {
        try document.nodes(xpath).map { $0.stringValue ?? "" }
    }

    /// The single value the XPath selects, or nil when it selects nothing.
    func value(_ xpath: String) throws -> String? {
        try values(xpath).first
    }
}
