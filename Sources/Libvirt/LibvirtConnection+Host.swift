import CLibvirt
import Glibc  // free() for strings libvirt allocates

extension LibvirtConnection {
    /// The libvirt library version the driver runs (`virConnectGetLibVersion`), e.g. 9.0.0.
    public func libraryVersion() async throws -> LibvirtVersion {
        try await perform("virConnectGetLibVersion") { pointer throws(LibvirtError) in
            var version: UInt = 0
            try LibvirtError.check(virConnectGetLibVersion(pointer, &version), "virConnectGetLibVersion")
            return LibvirtVersion(encoded: version)
        }
    }

    /// The hypervisor version (`virConnectGetVersion`): qemu's version on `qemu://`, 0.0.2 on `test://`.
    public func hypervisorVersion() async throws -> LibvirtVersion {
        try await perform("virConnectGetVersion") { pointer throws(LibvirtError) in
            var version: UInt = 0
            try LibvirtError.check(virConnectGetVersion(pointer, &version), "virConnectGetVersion")
            return LibvirtVersion(encoded: version)
        }
    }

    /// The host's CPUs and memory (`virNodeGetInfo`).
    public func nodeInfo() async throws -> NodeInfo {
        try await perform("virNodeGetInfo") { pointer throws(LibvirtError) in
            var info = virNodeInfo()
            try LibvirtError.check(virNodeGetInfo(pointer, &info), "virNodeGetInfo")
            let model = withUnsafeBytes(of: info.model) { bytes in
                String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            }
            return NodeInfo(model: model, memoryKiB: UInt64(info.memory), cpus: Int(info.cpus), mhz: Int(info.mhz),
                            numaNodes: Int(info.nodes), socketsPerNode: Int(info.sockets),
                            coresPerSocket: Int(info.cores), threadsPerCore: Int(info.threads))
        }
    }

    /// Free host memory in bytes (`virNodeGetFreeMemory`); 0 for a `test://` node file without NUMA cells.
    public func freeMemoryBytes() async throws -> UInt64 {
        try await perform("virNodeGetFreeMemory") { pointer throws(LibvirtError) in
            let free = virNodeGetFreeMemory(pointer)
            // 0 is both libvirt's failure value and a real answer; only a recorded error tells them apart.
            if free == 0, virGetLastError() != nil { throw LibvirtError.last("virNodeGetFreeMemory") }
            return UInt64(free)
        }
    }

    /// The host's capabilities XML (`virConnectGetCapabilities`): its CPU model, the guests it can run.
    public func capabilities() async throws -> String {
        try await perform("virConnectGetCapabilities") { pointer throws(LibvirtError) in
            let text = try LibvirtError.check(virConnectGetCapabilities(pointer), "virConnectGetCapabilities")
            defer { free(text) }
            return String(cString: text)
        }
    }
}
