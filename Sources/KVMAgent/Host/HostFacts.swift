import AgentWire
import Libvirt

#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HostSystem

/// What `/host/fact` reports, gathered from the files Linux exposes (`/etc/os-release`, `/proc/cpuinfo`,
/// `/proc/uptime`, `/sys/class/dmi/id`), libvirt and `qemu-img --version`. A fact that cannot be known here
/// (no DMI table in a container, no qemu-img) is left out rather than invented.
struct HostFacts {
    let connection: LibvirtConnection
    /// Where the files are read from: `/` on a host; tests may point it elsewhere.
    var root = "/"

    func gather() async throws -> HostFactResponse {
        var reply = HostFactResponse()
        let os = Self.keyValues(read("etc/os-release") ?? "", separator: "=")
        reply.osDistribution = os["ID"]
        reply.osVersion = os["VERSION_ID"]
        reply.osRelease = os["VERSION_CODENAME"] ?? os["VERSION"]
        let cpu = Self.CPUInfo(read("proc/cpuinfo") ?? "")
        reply.cpuModelName = cpu.modelName
        reply.hostCpuModelName = cpu.modelName
        reply.cpuProcessorNum = String(cpu.processors)
        reply.hvmCpuFlag = cpu.flags.contains("vmx") ? "vmx" : cpu.flags.contains("svm") ? "svm" : nil
        reply.eptFlag = cpu.flags.contains("ept") ? "ept" : cpu.flags.contains("npt") ? "npt" : nil
        reply.cpuGHz = cpu.megahertz.map { String(format: "%.2f", $0 / 1000) }
        reply.cpuCache = cpu.cacheSize
        var system = utsname()
        uname(&system)
        reply.cpuArchitecture = withUnsafeBytes(of: system.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let libvirt = try await connection.libraryVersion()
        let hypervisor = try await connection.hypervisorVersion()
        reply.libvirtVersion = libvirt.description
        reply.virtualizerInfo = VirtualizerInfoTO(virtualizer: connection.uri.hasPrefix("qemu") ? "qemu-kvm" : "qemu",
                                                  version: hypervisor.description)
        reply.qemuImgVersion = await QemuImg().version()
        reply.ipAddresses = Self.ipv4Addresses()
        reply.uptime = read("proc/uptime").flatMap { Self.bootTime(uptime: $0, now: Date()) }
        reply.systemProductName = dmi("product_name")
        reply.systemSerialNumber = dmi("product_serial")
        reply.systemManufacturer = dmi("sys_vendor")
        reply.systemUUID = dmi("product_uuid")
        reply.biosVendor = dmi("bios_vendor")
        reply.biosVersion = dmi("bios_version")
        reply.biosReleaseDate = dmi("bios_date")
        reply.iscsiInitiatorName = Self.keyValues(read("etc/iscsi/initiatorname.iscsi") ?? "", separator: "=")["InitiatorName"]
        return reply
    }

    private func read(_ path: String) -> String? {
        try? String(contentsOfFile: root + path, encoding: .utf8)
    }

    private func dmi(_ name: String) -> String? {
        read("sys/class/dmi/id/\(name)")?.trimmingWhitespace().nonEmpty
    }

    /// `KEY=value` (os-release, quotes removed) or `key : value` (cpuinfo) lines; the first of a key wins.
    static func keyValues(_ text: String, separator: Character) -> [String: String] {
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let index = line.firstIndex(of: separator) else { continue }
            let key = String(line[..<index]).trimmingWhitespace()
            var value = String(line[line.index(after: index)...]).trimmingWhitespace()
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            if values[key] == nil { values[key] = value }
        }
        return values
    }

    /// The parts of `/proc/cpuinfo` ZStack reports.
    struct CPUInfo {
        var processors = 0
        var modelName: String?
        var megahertz: Double?
        var cacheSize: String?
        var flags: Set<String> = []

        init(_ text: String) {
            // Blocks are separated by blank lines, one per logical CPU; the first describes them all.
            let blocks = text.split(separator: "\n\n")
            processors = blocks.filter { $0.contains("processor") }.count
            let first = keyValues(String(blocks.first ?? ""), separator: ":")
            modelName = first["model name"]
            megahertz = first["cpu MHz"].flatMap(Double.init)
            cacheSize = first["cache size"]
            flags = Set((first["flags"] ?? "").split(separator: " ").map(String.init))
        }
    }

    /// When the host booted, as `uptime -s` prints it (ZStack's `uptime` fact), from `/proc/uptime`.
    static func bootTime(uptime: String, now: Date) -> String? {
        guard let seconds = uptime.split(separator: " ").first.flatMap({ Double($0) }) else { return nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: now.addingTimeInterval(-seconds))
    }

    /// Every IPv4 address of the host except loopback (`getifaddrs`).
    static func ipv4Addresses() -> [String] {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return [] }
        defer { freeifaddrs(list) }
        var addresses: [String] = []
        for entry in sequence(first: first, next: { $0.pointee.ifa_next }) {
            guard let address = entry.pointee.ifa_addr, address.pointee.sa_family == sa_family_t(AF_INET) else { continue }
            var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            guard getnameinfo(address, socklen_t(MemoryLayout<sockaddr_in>.size), &host, socklen_t(host.count),
                              nil, 0, NI_NUMERICHOST) == 0 else { continue }
            let text = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if !text.hasPrefix("127."), !addresses.contains(text) { addresses.append(text) }
        }
        return addresses
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}
