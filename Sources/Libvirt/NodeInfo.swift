/// The host as libvirt sees it (`virNodeGetInfo`).
public struct NodeInfo: Sendable, Equatable {
    /// CPU model string, e.g. "x86_64".
    public var model: String
    /// Total memory in KiB (libvirt's unit).
    public var memoryKiB: UInt64
    /// Active logical CPUs.
    public var cpus: Int
    /// Expected CPU frequency in MHz.
    public var mhz: Int
    /// NUMA cells.
    public var numaNodes: Int
    /// CPU sockets per NUMA cell (libvirt's definition; multiply by `numaNodes` for the host total).
    public var socketsPerNode: Int
    public var coresPerSocket: Int
    public var threadsPerCore: Int

    public init(model: String, memoryKiB: UInt64, cpus: Int, mhz: Int, numaNodes: Int,
                socketsPerNode: Int, coresPerSocket: Int, threadsPerCore: Int) {
        self.model = model
        self.memoryKiB = memoryKiB
        self.cpus = cpus
        self.mhz = mhz
        self.numaNodes = numaNodes
        self.socketsPerNode = socketsPerNode
        self.coresPerSocket = coresPerSocket
        self.threadsPerCore = threadsPerCore
    }

    /// Total CPU sockets on the host.
    public var sockets: Int { socketsPerNode * numaNodes }
}
