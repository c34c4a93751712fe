import HostSystem

/// What gratuitousARP.py keeps between commands: per bridge, the addresses (IP, MAC, namespace) this host
/// announces, and the settings of its bond-failover watch. In memory, like the Python agent's: the MN
/// sends the whole list again (`rebuild`) when it reconnects the host.
actor GarpRegistry {
    struct Entry: Sendable, Hashable {
        let ip: IPv4Address
        let mac: String
        let namespace: String?
        let bridge: String
    }

    private(set) var entries: [String: [Entry]] = [:]
    private(set) var interval = 5
    private(set) var state = false

    func update(interval: Int?, state: Bool?) {
        if let interval { self.interval = interval }
        if let state { self.state = state }
    }

    /// Adds entries, one per MAC on a bridge (gratuitousARP.py's `_add_info`); `rebuild` forgets the rest.
    func add(_ new: [Entry], rebuild: Bool) {
        if rebuild { entries = [:] }
        for entry in new where !(entries[entry.bridge] ?? []).contains(where: { $0.mac == entry.mac }) {
            entries[entry.bridge, default: []].append(entry)
        }
    }

    /// Removes the entry of each MAC on its bridge; a bridge left empty is forgotten.
    func remove(_ gone: [Entry]) {
        for entry in gone {
            entries[entry.bridge]?.removeAll { $0.mac == entry.mac }
            if entries[entry.bridge]?.isEmpty == true { entries[entry.bridge] = nil }
        }
    }
}
