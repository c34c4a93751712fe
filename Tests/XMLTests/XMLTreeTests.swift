import Testing
import XML

/// `XMLTree` answers what the KVM agent asks of libvirt's XML: XPath over elements and attributes, child
/// elements by name, text, and an element changed and serialised back.
@Suite struct XMLTreeTests {
    let domain = """
        <domain type='kvm' xmlns:zs='http://zstack.org'>
          <metadata><zs:zstack><zs:internalId> 42 </zs:internalId></zs:zstack></metadata>
          <os><type machine='pc-q35-7.2'>hvm</type></os>
          <devices>
            <disk type='file' device='disk'><source file='/a &amp; b.qcow2'/><target dev='vda'/></disk>
            <!-- a comment, not an element -->
            <interface type='bridge'><mac address='52:54:00:00:00:01'/><link state='down'/></interface>
            <graphics type='vnc' port='5900'/>
          </devices>
        </domain>
        """

    @Test func xpathSelectsElementsAttributesAndUnions() throws {
        let tree = try XMLTree(parsing: domain)
        #expect(try tree.nodes("/domain/os/type/@machine").map(\.stringValue) == ["pc-q35-7.2"])
        #expect(try tree.nodes("/domain/devices/disk//source/@file | /domain/devices/disk//source/@dev")
            .map(\.stringValue) == ["/a & b.qcow2"])
        #expect(try tree.nodes("/domain/devices/graphics[@type='vnc']/@port").first?.stringValue == "5900")
        #expect(try tree.nodes("/domain/metadata/*[local-name()='zstack']/*[local-name()='internalId']")
            .first?.stringValue == " 42 ")
        #expect(try tree.nodes("/domain/devices/graphics[@type='spice']/@port").isEmpty)
        #expect(try tree.nodes("count(/domain/devices/*)").isEmpty)
    }

    @Test func childElementsSkipTextAndCommentsAndKeepPrefixes() throws {
        let tree = try XMLTree(parsing: domain)
        let devices = try #require(try tree.nodes("/domain/devices").first)
        #expect(devices.childElements.map(\.name) == ["disk", "interface", "graphics"])
        #expect(devices.elements(named: "disk").first?.attribute("device") == "disk")
        #expect(devices.elements(named: "disk").first?.attribute("missing") == nil)
        #expect(try tree.nodes("/domain/metadata/*").map(\.name) == ["zs:zstack"])
    }

    @Test func anElementChangedIsSerialisedBack() throws {
        let interface = try XMLTree(parsing: "<interface type='bridge'><mac address='m'/><link state='down'/></interface>").root
        interface.removeChildren(named: "link")
        interface.appendChild(named: "link", attributes: ["state": "up"])
        #expect(interface.xmlString == #"<interface type="bridge"><mac address="m"/><link state="up"/></interface>"#)
        #expect(try XMLTree(parsing: interface.xmlString).nodes("/interface/link/@state").map(\.stringValue) == ["up"])
    }

    @Test func malformedInputAndBadXPathThrow() throws {
        #expect(throws: XMLError.self) { try XMLTree(parsing: "<domain><devices></domain>") }
        #expect(throws: XMLError.self) { try XMLTree(parsing: "") }
        #expect(throws: XMLError.self) { try XMLTree(parsing: domain).nodes("/domain/[") }
    }
}
