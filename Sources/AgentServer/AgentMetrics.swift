import Prometheus
import Synchronization

/// The agent's Prometheus metrics, served at `/metrics`. Each server owns its registry, so several agents
/// in one process (tests) never mix their counts.
public final class AgentMetrics: Sendable {
    private let registry = PrometheusCollectorRegistry()
    private let inFlight: Gauge
    private let retries: Counter
    private let failures: Counter

    init() {
        inFlight = registry.makeGauge(descriptor: Self.name("async_commands", "in_flight",
                                                            "Async commands accepted and not yet answered"))
        retries = registry.makeCounter(descriptor: Self.name("callback_retries", "total",
                                                             "Callback deliveries attempted again after a failure"))
        failures = registry.makeCounter(descriptor: Self.name("callback_failures", "total",
                                                              "Async replies never delivered to the callback URL"))
    }

    /// Counts a request by its registered path (or "unmatched", so hostile paths cannot grow the label set).
    func request(path: String, outcome: String) {
        registry.makeCounter(descriptor: Self.name("requests", "total", "Requests by command path and outcome"),
                             labels: [("path", path), ("outcome", outcome)]).increment()
    }

    /// A connection closed before HTTP: `source` (not in --allow-from) or `tls` (handshake refused).
    func connectionRefused(reason: String) {
        registry.makeCounter(descriptor: Self.name("connections_refused", "total", "Connections closed before HTTP, by reason"),
                             labels: [("reason", reason)]).increment()
    }

    /// Publishes the authentication mode as `zstack_agent_auth_mode{mode="..."} 1`, so a fleet scrape shows
    /// which agents still run without authentication.
    func authenticationMode(_ mode: String) {
        registry.makeGauge(descriptor: Self.name("auth", "mode", "Authentication mode the agent enforces"),
                           labels: [("mode", mode)]).set(Int64(1))
    }

    func asyncStarted() { inFlight.increment() }
    func asyncFinished() { inFlight.decrement() }
    func callbackRetried() { retries.increment() }
    func callbackFailed() { failures.increment() }

    private static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "zstack", subsystem: "agent", metricName: metric, unitName: unit, helpText: help)
    }

    /// The Prometheus text exposition.
    func render() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}
