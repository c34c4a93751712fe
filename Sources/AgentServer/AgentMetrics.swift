import Prometheus
import Synchronization

/// The agent's Prometheus metrics, served at `/metrics`. Each server owns its registry, so several agents
/// in one process (tests) never mix their counts.
public final class AgentMetrics: Sendable {
    private let registry = PrometheusCollectorRegistry()
    private let inFlight: Gauge
    private let admittedSync: Gauge
    private let admittedAsync: Gauge
    private let admittedBytes: Gauge
    private let retries: Counter
    private let failures: Counter
    private let memoryReturns: Counter
    /// Requests to no registered path, and requests refused for want of the bearer token.
    let unmatchedRequests: RequestCounters
    let unauthenticatedRequests: RequestCounters

    init() {
        inFlight = registry.makeGauge(descriptor: Self.name("async_commands", "in_flight",
                                                            "Async commands accepted and not yet answered"))
        let admitted = Self.name("admitted_commands", "", "Commands holding an admission slot, by kind")
        admittedSync = registry.makeGauge(descriptor: admitted, labels: [("mode", "sync")])
        admittedAsync = registry.makeGauge(descriptor: admitted, labels: [("mode", "async")])
        admittedBytes = registry.makeGauge(descriptor: Self.name("admitted_body", "bytes",
                                                                 "Bytes of request bodies admitted commands hold"))
        retries = registry.makeCounter(descriptor: Self.name("callback_retries", "total",
                                                             "Callback deliveries attempted again after a failure"))
        failures = registry.makeCounter(descriptor: Self.name("callback_failures", "total",
                                                              "Async replies never delivered to the callback URL"))
        memoryReturns = registry.makeCounter(descriptor: Self.name("memory_returns", "total",
                                                                   "Times memory freed by a burst of commands was handed back to the kernel"))
        unmatchedRequests = Self.requests(path: "unmatched", in: registry)
        unauthenticatedRequests = Self.requests(path: "unauthenticated", in: registry)
    }

    /// Counters of requests to a registered path, or to "unmatched" and "unauthenticated" (so hostile paths
    /// cannot grow the label set).
    func requests(path: String) -> RequestCounters {
        Self.requests(path: path, in: registry)
    }

    private static func requests(path: String, in registry: PrometheusCollectorRegistry) -> RequestCounters {
        RequestCounters(path: path) { path, outcome in
            registry.makeCounter(descriptor: name("requests", "total", "Requests by command path and outcome"),
                                 labels: [("path", path), ("outcome", outcome.label)])
        }
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

    func callbackRetried() { retries.increment() }
    func callbackFailed() { failures.increment() }
    func memoryReturned() { memoryReturns.increment() }

    private static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "zstack", subsystem: "agent", metricName: metric, unitName: unit, helpText: help)
    }

    /// The Prometheus text exposition. What the agent holds right now (async commands in flight, admission
    /// slots and bytes) is read from the runner and the admission at the moment, not counted up and down
    /// per command: the gauges cannot drift from the state they report.
    func render(inFlight asyncInFlight: Int, admitted: CommandAdmission.Load) -> [UInt8] {
        inFlight.set(Int64(asyncInFlight))
        admittedSync.set(Int64(admitted.sync))
        admittedAsync.set(Int64(admitted.async))
        admittedBytes.set(Int64(admitted.bytes))
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}

/// How a request ended, as the `outcome` label of `zstack_agent_requests_total` says it.
enum RequestOutcome: Int, CaseIterable, Sendable {
    case success, failure, refused, notFound, badMethod, tooLarge, busy, rejected, duplicate

    var label: String {
        switch self {
        case .success: "success"
        case .failure: "failure"
        case .refused: "refused"
        case .notFound: "not_found"
        case .badMethod: "bad_method"
        case .tooLarge: "too_large"
        case .busy: "busy"
        case .rejected: "rejected"
        case .duplicate: "duplicate"
        }
    }
}

/// One path's request counters, each made the first time its outcome happens (so /metrics lists only the
/// series that occurred) and reused after: making a labelled counter through the registry validates and
/// hashes its name, help and labels under the registry's lock, which cost more per request than the rest
/// of the runtime's bookkeeping.
final class RequestCounters: Sendable {
    private let path: String
    private let make: @Sendable (String, RequestOutcome) -> Counter
    private let counters = Mutex<[Counter?]>(Array(repeating: nil, count: RequestOutcome.allCases.count))

    fileprivate init(path: String, make: @escaping @Sendable (String, RequestOutcome) -> Counter) {
        self.path = path
        self.make = make
    }

    func count(_ outcome: RequestOutcome) {
        counters.withLock { counters in
            if let counter = counters[outcome.rawValue] { return counter }
            let counter = make(path, outcome)
            counters[outcome.rawValue] = counter
            return counter
        }.increment()
    }
}
