/// A registered route with its path's request counters: what the responder finds with one lookup per
/// request.
struct ServedRoute: Sendable {
    let route: CommandRegistry.Route
    let requests: RequestCounters

    /// Every route of `registry` by its normalized path.
    static func table(_ registry: CommandRegistry, metrics: AgentMetrics) -> [String: ServedRoute] {
        registry.routes.reduce(into: [:]) { table, entry in
            table[entry.key] = ServedRoute(route: entry.value, requests: metrics.requests(path: entry.key))
        }
    }
}
