#if canImport(FoundationXML)
import FoundationXML
#else
import Foundation
#endif

/// Parses XML for assertions with a real parser (libxml2), so a test fails if the builder's output is not
/// well-formed, and answers XPath queries.
struct XMLQuery {
    let document: XMLDocument

    init(_ text: String) throws {
        document = try XMLDocument(xmlString: text, options: [])
    }

    /// The string values of every node the XPath selects.
    func values(_ xpath: String) throws -> [String] {
        try document.nodes(forXPath: xpath).map { $0.stringValue ?? "" }
    }

    /// The single value the XPath selects, or nil when it selects nothing.
    func value(_ xpath: String) throws -> String? {
        try values(xpath).first
    }
}
