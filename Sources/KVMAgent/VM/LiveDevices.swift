import AgentWire
import HostSystem

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import XML

/// The devices of a domain as its live XML describes them: the addresses the replies of `/vm/start`,
/// `/sync/vm/deviceinfo`, `/vm/attachdatavolume`, `/vm/attachnic` and `/vm/getdeviceaddress` report, and the
/// PCI slots a hot-plugged device must avoid.
///
/// Read back from libvirt rather than from what the builder wrote, as the Python agent does: what counts is
/// where the hypervisor put a device (on q35, or for a device libvirt added, only libvirt knows).
struct LiveDevices {
    struct Disk {
        var device: String?
        var target: String?
        var bus: String?
        var serial: String?
        var wwn: String?
        var source: String?
        var address: KVM.DeviceAddress
    }

    struct Interface {
        var mac: String?
        var address: KVM.DeviceAddress
        /// The element as libvirt wrote it, for changes that resend it (`updateDevice`).
        var xml: String

        /// The interface with `<link state='up|down'/>`.
        func withLinkState(_ state: String) throws -> String {
            let element = try XMLTree(parsing: xml).root
            element.removeChildren(named: "link")
            element.appendChild(named: "link", attributes: ["state": state])
            return element.xmlString
        }
    }

    private(set) var disks: [Disk] = []
    private(set) var interfaces: [Interface] = []
    private(set) var memoryBalloon: KVM.DeviceAddress?
    private(set) var machineType: String?
    /// Every PCI slot on bus 0 some device of the domain holds.
    private(set) var usedSlots: Set<Int> = []

    init(xml: String) throws {
        let document = try XMLTree(parsing: xml)
        guard let devices = try document.nodes("/domain/devices").first else {
            throw KVMAgentError(.vm, "the domain XML libvirt returned has no <devices>")
        }
        machineType = try document.nodes("/domain/os/type/@machine").first?.stringValue
        for element in devices.childElements {
            let address = Self.address(of: element)
            if address.type == "pci", DeviceAddresses.number(address.bus) == 0,
               let slot = DeviceAddresses.number(address.slot) {
                usedSlots.insert(slot)
            }
            switch element.name {
            case "disk":
                disks.append(Disk(device: element.attribute("device"),
                                  target: Self.child(element, "target", "dev"), bus: Self.child(element, "target", "bus"),
                                  serial: Self.text(element, "serial"), wwn: Self.text(element, "wwn"),
                                  source: Self.child(element, "source", "file") ?? Self.child(element, "source", "dev"),
                                  address: address))
            case "interface":
                interfaces.append(Interface(mac: Self.child(element, "mac", "address"), address: address, xml: element.xmlString))
            case "memballoon":
                memoryBalloon = address
            default:
                break
            }
        }
    }

    /// The body of `/vm/start`'s and `/sync/vm/deviceinfo`'s reply (`VmDevicesInfoResponse`), as the
    /// Python agent fills it: every NIC by MAC, every disk (CD-ROMs too) by its serial, the balloon. A
    /// device without an address still gets an (empty) `deviceAddress`: the MN calls `toString()` on it.
    func devicesInfo() -> KVM.VmDevicesInfoResponse {
        var reply = KVM.VmDevicesInfoResponse()
        reply.nicInfos = interfaces.map { KVM.VmNicInfo(macAddress: $0.mac, deviceAddress: Self.pciOnly($0.address)) }
        reply.virtualDeviceInfoList = disks.map { KVM.VirtualDeviceInfo(resourceUuid: $0.serial, deviceAddress: $0.address) }
        reply.memBalloonInfo = KVM.VirtualDeviceInfo(deviceAddress: memoryBalloon ?? KVM.DeviceAddress())
        return reply
    }

    func disk(target: String) -> Disk? { disks.first { $0.target == target } }

    func interface(mac: String) -> Interface? {
        interfaces.first { $0.mac.flatMap(NetworkNames.canonicalMAC) == NetworkNames.canonicalMAC(mac) }
    }

    /// A NIC's address as the Python agent reports it: the PCI parts only.
    static func pciOnly(_ address: KVM.DeviceAddress) -> KVM.DeviceAddress {
        var pci = KVM.DeviceAddress()
        pci.type = address.type
        pci.domain = address.domain
        pci.bus = address.bus
        pci.slot = address.slot
        pci.function = address.function
        return pci
    }

    private static func address(of element: XMLTree.Node) -> KVM.DeviceAddress {
        var address = KVM.DeviceAddress()
        guard let node = element.elements(named: "address").first else { return address }
        func value(_ name: String) -> String? { node.attribute(name) }
        address.type = value("type")
        address.domain = value("domain")
        address.bus = value("bus")
        address.slot = value("slot")
        address.function = value("function")
        address.controller = value("controller")
        address.target = value("target")
        address.unit = value("unit")
        return address
    }

    private static func child(_ element: XMLTree.Node, _ name: String, _ attribute: String) -> String? {
        element.elements(named: name).first?.attribute(attribute)
    }

    private static func text(_ element: XMLTree.Node, _ name: String) -> String? {
        element.elements(named: name).first?.stringValue
    }
}
