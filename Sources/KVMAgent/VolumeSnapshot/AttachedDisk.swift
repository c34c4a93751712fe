import XML

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
        try XMLTree(parsing: xml).nodes("/domain/devices/disk").compactMap { disk in
            guard let target = disk.elements(named: "target").first?.attribute("dev") else { return nil }
            let source = disk.elements(named: "source").first
            return AttachedDisk(target: target, type: disk.attribute("type") ?? "file",
                                source: source?.attribute("file") ?? source?.attribute("dev"))
        }
    }
}
