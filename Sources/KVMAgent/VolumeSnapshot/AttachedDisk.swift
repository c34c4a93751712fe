import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A disk of a running domain as libvirt's live XML describes it: what the snapshot and block-job calls
/// name it by, and the image it reads now (which moves with every snapshot, pull and commit).
struct AttachedDisk: Sendable, Equatable {
    /// The target name (`vda`), which libvirt's block-job calls accept as the disk.
    let target: String
    /// `file` or `block` (others, such as `network`, have no local image).
    let type: String
    /// The active image: `source/@file` or `source/@dev`; nil for an empty drive.
    let source: String?

    /// Every `<disk>` with a target in the domain XML, CD-ROMs included (a snapshot must name them all).
    static func all(inDomainXML xml: String) throws -> [AttachedDisk] {
        let document = try XMLDocument(xmlString: xml, options: [])
        return try document.nodes(forXPath: "/domain/devices/disk").compactMap { node in
            guard let disk = node as? XMLElement,
                  let target = disk.elements(forName: "target").first?.attribute(forName: "dev")?.stringValue else { return nil }
            let source = disk.elements(forName: "source").first
            return AttachedDisk(target: target, type: disk.attribute(forName: "type")?.stringValue ?? "file",
                                source: (source?.attribute(forName: "file") ?? source?.attribute(forName: "dev"))?.stringValue)
        }
    }
}
