import AgentWire
import Libvirt

#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import HostSystem
import XML

/// What `/host/fact` reports, gathered from the files Linux exposes (`/etc`, `/proc/cpuinfo`, `/proc/uptime`,
/// `/sys/class/dmi/id`, `/sys/devices/system/cpu`), libvirt and `qemu-img --version`, in the forms ZStack's
/// Python agent reports them (`host_plugin.fact`): the MN compares some across the hosts of a cluster and
/// records others as tags, so a value must not depend on which agent a host runs. Facts the Python agent
/// reads from `dmidecode` and `ipmitool` (memory slots, power supplies, the BMC's address) are left out;
/// where the Python agent says "unknown" for a fact it could not read, so does this one.
struct HostFacts {
    let connection: LibvirtConnection
    let virtualizer: Virtualizer
    /// The host uuid from `/host/connect`; the MN replaces it with its own before saving.
    let hostUuid: String?
    /// Where the files are read from: `/` on a host; tests may point it elsewhere.
    var root = "/"

    func gather() async throws -> KVM.HostFactResponse {
        var reply = KVM.HostFactResponse()
        let os = PlatformDistribution(
            etcEntries: (try? FileManager.default.contentsOfDirectory(atPath: root + "etc")) ?? [],
            firstLine: { read("etc/\($0)") })
        reply.osDistribution = os.distribution
        reply.osVersion = os.version
        reply.osRelease = os.release
        let cpuinfo = read("proc/cpuinfo") ?? ""
        let cpu = Self.CPUInfo(cpuinfo)
        let architecture = Virtualizer.architecture
        reply.cpuArchitecture = architecture
        let capabilities = try await connection.capabilities()
        // The MN's CPU_MODEL_NAME, compared across a cluster: libvirt's name for the host CPU (Broadwell-IBRS),
        // not the marketing name, which is hostCpuModelName.
        reply.cpuModelName = Self.hostCPUModel(capabilities: capabilities)
        reply.hostCpuModelName = cpu.modelName
        reply.cpuProcessorNum = String(cpu.processors)
        if architecture == "aarch64" || architecture.hasPrefix("mips") || architecture.hasPrefix("loongarch") {
            reply.hvmCpuFlag = "vt"  // the Python agent's word for these architectures
        } else {
            // As the Python agent greps the whole file: `grep vmx`, `grep svm`, `grep -w ept` (newer kernels
            // list ept under "vmx flags", not "flags").
            reply.hvmCpuFlag = cpuinfo.contains("vmx") ? "vmx" : cpuinfo.contains("svm") ? "svm" : nil
            let words = Set(cpuinfo.split { !($0.isLetter || $0.isNumber || $0 == "_") })
            reply.eptFlag = words.contains("ept") ? "ept" : nil
        }
        reply.cpuGHz = Self.gigahertz(modelName: cpu.modelName, megahertz: cpu.megahertz)
        reply.cpuCache = Self.cacheSizes(read)
        reply.libvirtVersion = try await connection.libraryVersion().description
        reply.libvirtCapabilities = Self.libvirtCapabilities(capabilities: capabilities)
        reply.virtualizerInfo = try await virtualizer.host(uuid: hostUuid)
        reply.qemuImgVersion = await QemuImg().version()
        reply.ipAddresses = Self.ipv4Addresses()
        reply.uptime = read("proc/uptime").flatMap { Self.bootTime(uptime: $0, now: Date()) }
        reply.systemProductName = dmi("product_name") ?? dmi("board_name") ?? "unknown"
        reply.systemSerialNumber = dmi("product_serial") ?? "unknown"
        reply.systemManufacturer = dmi("sys_vendor") ?? "unknown"
        reply.systemUUID = dmi("product_uuid") ?? "unknown"
        reply.biosVendor = dmi("bios_vendor") ?? "unknown"
        reply.biosVersion = dmi("bios_version") ?? "unknown"
        reply.biosReleaseDate = dmi("bios_date") ?? "unknown"
        reply.bmcVersion = "unknown"
        reply.iscsiInitiatorName = Self.keyValues(read("etc/iscsi/initiatorname.iscsi") ?? "", separator: "=")["InitiatorName"]
        return reply
    }

    private func read(_ path: String) -> String? {
        try? String(contentsOfFile: root + path, encoding: .utf8)
    }

    private func dmi(_ name: String) -> String? {
        read("sys/class/dmi/id/\(name)")?.trimmingWhitespace().nonEmpty
    }

    /// `<capabilities><host><cpu><model>`.
    static func hostCPUModel(capabilities: String) -> String? {
        (try? XMLTree(parsing: capabilities))
            .flatMap { try? $0.nodes("/capabilities/host/cpu/model").first?.stringValue }?
            .trimmingWhitespace().nonEmpty
    }

    /// The capabilities the MN looks for in the first guest's features (ZStack's patched libvirt has them).
    static func libvirtCapabilities(capabilities: String) -> [String] {
        guard let document = try? XMLTree(parsing: capabilities),
              let features = try? document.nodes("/capabilities/guest[1]/features/*") else { return [] }
        let names = Set(features.map(\.name))
        return ["incrementaldrivemirror", "blockcopynetworktarget"].filter(names.contains)
    }

    /// The rated speed in the model name ("... @ 2.40GHz" gives 2.40), else the current speed of the first
    /// CPU, in GHz with two decimals.
    static func gigahertz(modelName: String?, megahertz: Double?) -> String? {
        if let modelName, let match = try? #/[0-9.]*GHz/#.firstMatch(in: modelName) {
            return String(match.output.dropLast(3))
        }
        return megahertz.map { CFormatting.decimal($0 / 1000, fractionDigits: 2) }
    }

    /// "L1,L2,L3" in KiB as the Python agent writes them from `lscpu` (Python floats: "64.0,1024.0,36608.0";
    /// L1 is data plus instruction; a missing level is "0"), read from the first CPU's caches in sysfs.
    static func cacheSizes(_ read: (String) -> String?) -> String {
        var levels: [Int: Int] = [:]
        for index in 0..<16 {
            let directory = "sys/devices/system/cpu/cpu0/cache/index\(index)/"
            guard let level = read(directory + "level").flatMap({ Int($0.trimmingWhitespace()) }),
                  let size = read(directory + "size")?.trimmingWhitespace(), size.hasSuffix("K"),
                  let kib = Int(size.dropLast()) else { continue }
            levels[level, default: 0] += kib
        }
        return [1, 2, 3].map { levels[$0].map { "\($0).0" } ?? "0" }.joined(separator: ",")
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

        init(_ text: String) {
            // Blocks are separated by blank lines, one per logical CPU; the first describes them all.
            let blocks = text.split(separator: "\n\n")
            processors = blocks.filter { $0.contains("processor") }.count
            let first = keyValues(String(blocks.first ?? ""), separator: ":")
            modelName = first["model name"]
            megahertz = first["cpu MHz"].flatMap(Double.init)
        }
    }

    /// When the host booted, as `uptime -s` prints it (ZStack's `uptime` fact), from `/proc/uptime`.
    static func bootTime(uptime: String, now: Date) -> String? {
        guard let seconds = uptime.split(separator: " ").first.flatMap({ Double($0) }) else { return nil }
        return CFormatting.localTime(now.timeIntervalSince1970 - seconds, format: "%Y-%m-%d %H:%M:%S")
    }

    /// The host's IPv4 addresses (`getifaddrs`).
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
            // As the Python agent: all but 127.0.0.1 and the addresses of ZStack's own `*zs` interfaces.
            let interface = String(cString: entry.pointee.ifa_name)
            if text != "127.0.0.1", !interface.hasSuffix("zs"), !addresses.contains(text) { addresses.append(text) }
        }
        return addresses
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}
