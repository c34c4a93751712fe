import CLibvirt

extension LibvirtConnection {
    /// Defines (persists, without starting) a domain from XML (`virDomainDefineXMLFlags`).
    ///
    /// - Parameter validate: also check the XML against libvirt's RNG schema, so unknown elements are
    ///   rejected instead of silently dropped.
    /// - Throws: `LibvirtError` (`.xmlError`, `.xmlDetail`, ...) when libvirt refuses the definition.
    public func defineDomain(xml: String, validate: Bool = true) async throws -> LibvirtDomain {
        let flags = validate ? VIR_DOMAIN_DEFINE_VALIDATE.rawValue : 0
        return try await perform("virDomainDefineXMLFlags") { [workers] pointer throws(LibvirtError) in
            try LibvirtDomain(adopting: LibvirtError.check(virDomainDefineXMLFlags(pointer, xml, flags),
                                                            "virDomainDefineXMLFlags"), workers: workers)
        }
    }

    /// The domain with this name, or nil when there is none (`virDomainLookupByName`).
    public func domain(named name: String) async throws -> LibvirtDomain? {
        try await lookup("virDomainLookupByName") { virDomainLookupByName($0, name) }
    }

    /// The domain with this libvirt uuid, or nil when there is none (`virDomainLookupByUUIDString`).
    public func domain(uuid: String) async throws -> LibvirtDomain? {
        try await lookup("virDomainLookupByUUIDString") { virDomainLookupByUUIDString($0, uuid) }
    }

    private func lookup(_ operation: String,
                        _ call: @escaping @Sendable (OpaquePointer) -> OpaquePointer?) async throws -> LibvirtDomain? {
        try await perform(operation) { [workers] pointer throws(LibvirtError) -> LibvirtDomain? in
            if let domain = call(pointer) { return try LibvirtDomain(adopting: domain, workers: workers) }
            let error = LibvirtError.last(operation)
            if error.code == .noDomain { return nil }
            throw error
        }
    }

    /// Every domain, defined or transient, running or not — or with `activeOnly` the active ones (running,
    /// paused, shutting down: those with a process, `virConnectListDomainsID`'s set) — with its state and reason.
    ///
    /// One `virConnectGetAllDomainStats(VIR_DOMAIN_STATS_STATE)` call: a single round trip whatever the
    /// number of domains (it lists like `virConnectListAllDomains` and carries each state along), where a
    /// list followed by `virDomainGetState` per domain would cost one round trip per domain.
    public func allDomains(activeOnly: Bool = false) async throws -> [DomainSummary] {
        let flags = activeOnly ? VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE.rawValue : 0
        return try await perform("virConnectGetAllDomainStats") { pointer throws(LibvirtError) in
            var records: UnsafeMutablePointer<virDomainStatsRecordPtr?>?
            let count = try LibvirtError.check(
                virConnectGetAllDomainStats(pointer, VIR_DOMAIN_STATS_STATE.rawValue, &records, flags),
                "virConnectGetAllDomainStats")
            defer { virDomainStatsRecordListFree(records) }
            guard let records else { return [] }
            var summaries: [DomainSummary] = []
            summaries.reserveCapacity(Int(count))
            for index in 0..<Int(count) {
                guard let record = records[index], let domain = record.pointee.dom else { continue }
                var state: Int32 = 0
                var reason: Int32 = 0
                _ = virTypedParamsGetInt(record.pointee.params, record.pointee.nparams, "state.state", &state)
                _ = virTypedParamsGetInt(record.pointee.params, record.pointee.nparams, "state.reason", &reason)
                summaries.append(DomainSummary(
                    name: LibvirtDomain.name(of: domain), uuid: LibvirtDomain.uuid(of: domain),
                    state: DomainStateAndReason(state: DomainState(rawValue: state), reason: reason)))
            }
            return summaries
        }
    }
}
