import CLibxml2
import HostSystem

/// A parsed XML document (libxml2's tree) with XPath 1.0 queries: how the KVM agent reads what libvirt writes
/// (domain XML, capabilities).
///
/// libxml2 rather than FoundationXML: FoundationXML is the same parser behind `XMLDocument`, but linking it
/// brings the whole of Foundation and its ICU data into a static agent binary (tens of megabytes); the agent
/// already loads libxml2 through libvirt.
///
/// Ownership and threading: the tree owns its libxml2 document and frees it in `deinit`; every `Node` keeps
/// its tree alive. A tree is not `Sendable`: parse, query and drop it within one task.
public final class XMLTree {
    private let document: xmlDocPtr

    /// Parses `text` as a whole document. Never touches the network or external entities (libxml2 loads
    /// neither unless asked); parser messages go into the thrown error, not to stderr.
    public init(parsing text: String) throws(XMLError) {
        Self.initializeOnce
        guard let context = xmlNewParserCtxt() else { throw XMLError("cannot allocate an XML parser") }
        defer { xmlFreeParserCtxt(context) }
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)
        let bytes = Array(text.utf8)
        let parsed = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) {
                xmlCtxtReadMemory(context, $0.baseAddress, Int32(clamping: $0.count), nil, "UTF-8", options)
            }
        }
        guard let parsed else {
            let message = xmlCtxtGetLastError(context)?.pointee.message.map { String(cString: $0) } ?? "not well-formed"
            throw XMLError("invalid XML: \(message.trimmingWhitespace())")
        }
        guard xmlDocGetRootElement(parsed) != nil else {
            xmlFreeDoc(parsed)
            throw XMLError("invalid XML: no root element")
        }
        document = parsed
    }

    deinit { xmlFreeDoc(document) }

    /// libxml2 wants one call of its global initialiser before threads use it.
    private static let initializeOnce: Void = xmlInitParser()

    /// The document element.
    public var root: Node { Node(tree: self, pointer: xmlDocGetRootElement(document)) }

    /// The nodes `xpath` selects, in document order (elements, attributes or text). An expression that
    /// selects no node set (`count(...)`) selects nothing; an invalid one throws.
    public func nodes(_ xpath: String) throws(XMLError) -> [Node] {
        guard let context = xmlXPathNewContext(document) else { throw XMLError("cannot allocate an XPath context") }
        defer { xmlXPathFreeContext(context) }
        guard let result = xmlXPathEvalExpression(xpath, context) else { throw XMLError("invalid XPath: \(xpath)") }
        defer { xmlXPathFreeObject(result) }
        guard result.pointee.type == XPATH_NODESET, let set = result.pointee.nodesetval,
              let table = set.pointee.nodeTab else { return [] }
        return (0..<Int(set.pointee.nodeNr)).compactMap { table[$0].map { Node(tree: self, pointer: $0) } }
    }

    /// One node of a tree: a view that keeps the tree alive.
    public struct Node {
        let tree: XMLTree
        let pointer: xmlNodePtr

        /// The qualified name (`prefix:local` for a namespaced node), as FoundationXML's `name`.
        public var name: String {
            let local = pointer.pointee.name.map { String(cString: $0) } ?? ""
            guard let prefix = pointer.pointee.ns?.pointee.prefix else { return local }
            return "\(String(cString: prefix)):\(local)"
        }

        /// The text of the node and its descendants (an attribute's value), as FoundationXML's `stringValue`.
        public var stringValue: String? { Self.take(xmlNodeGetContent(pointer)) }

        /// The value of attribute `name`, or nil when the element has none.
        public func attribute(_ name: String) -> String? { Self.take(xmlGetProp(pointer, name)) }

        /// The child elements, in order (text and comments left out).
        public var childElements: [Node] {
            var children: [Node] = []
            var child = pointer.pointee.children
            while let node = child {
                if node.pointee.type == XML_ELEMENT_NODE { children.append(Node(tree: tree, pointer: node)) }
                child = node.pointee.next
            }
            return children
        }

        /// The child elements called `name`.
        public func elements(named name: String) -> [Node] { childElements.filter { $0.name == name } }

        /// The node serialised as XML, unindented, as libvirt accepts it back.
        public var xmlString: String {
            guard let buffer = xmlBufferCreate() else { return "" }
            defer { xmlBufferFree(buffer) }
            xmlNodeDump(buffer, pointer.pointee.doc, pointer, 0, 0)
            return xmlBufferContent(buffer).map { String(cString: $0) } ?? ""
        }

        /// Removes every child element called `name` (changes the tree this node belongs to).
        public func removeChildren(named name: String) {
            for child in elements(named: name) {
                xmlUnlinkNode(child.pointer)
                xmlFreeNode(child.pointer)
            }
        }

        /// Appends an empty child element `<name attributes.../>` (changes the tree this node belongs to).
        public func appendChild(named name: String, attributes: KeyValuePairs<String, String> = [:]) {
            guard let child = xmlNewChild(pointer, nil, name, nil) else { return }
            for (key, value) in attributes { xmlNewProp(child, key, value) }
        }

        init(tree: XMLTree, pointer: xmlNodePtr) {
            self.tree = tree
            self.pointer = pointer
        }

        init(tree: XMLTree, pointer: xmlNodePtr?) {
            // A parsed tree always has a root: `XMLTree.init` checks it.
            self.init(tree: tree, pointer: pointer!)
        }

        /// A string libxml2 allocated for us, freed once copied.
        private static func take(_ bytes: UnsafeMutablePointer<xmlChar>?) -> String? {
            guard let bytes else { return nil }
            defer { zstack_xml_free(bytes) }
            return String(cString: bytes)
        }
    }
}

/// Why XML could not be parsed or queried.
public struct XMLError: Error, CustomStringConvertible, Sendable {
    public let description: String

    init(_ description: String) { self.description = description }
}
