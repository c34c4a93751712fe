import HostSystem

/// NIC addresses, links and routes through `ip`.
struct LinkConfigurator: Sendable {
    let runner: ProcessRunner

    func interfaces() async throws -> InterfaceTable {
        try InterfaceTable(ipJSON: try await runner.run("ip", ["-json", "addr", "show"]).text)
    }

    func configure(_ nic: CommandResolver.NICConfig) async throws {
        try await runner.run("ip", ["addr", "replace", "\(nic.address.ip)/\(nic.address.prefixLength)", "dev", nic.name])
        try await runner.run("ip", ["link", "set", "dev", nic.name, "up"])
        if nic.isDefaultRoute, let gateway = nic.gateway {
            try await runner.run("ip", ["route", "replace", "default", "via", "\(gateway)", "dev", nic.name])
        }
    }

    func addAddress(_ ip: IPv4Address, prefixLength: Int, nic: String) async throws {
        try await runner.run("ip", ["addr", "replace", "\(ip)/\(prefixLength)", "dev", nic])
    }

    /// Removes `ip` from whichever NIC holds it; absent is fine (removal is idempotent).
    func removeAddress(_ ip: IPv4Address, from table: InterfaceTable) async throws {
        for nic in table.interfaces {
            for address in nic.addresses where address.ip == ip {
                try await runner.run("ip", ["addr", "del", "\(ip)/\(address.prefixLength)", "dev", nic.name])
            }
        }
    }
}
