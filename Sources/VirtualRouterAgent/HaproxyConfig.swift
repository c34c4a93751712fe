import HostSystem

/// One haproxy configuration per load-balancer listener, after ZStack's template, with the listener's
/// `parameters` filled in and ZStack's defaults for those it omits.
public enum HaproxyConfig {
    static let defaults = [
        "maxConnection": "2000", "connectionIdleTimeout": "60", "balancerAlgorithm": "roundrobin",
        "healthCheckInterval": "5", "healthyThreshold": "2", "unhealthyThreshold": "2",
    ]

    /// - Parameter user: the account haproxy drops to (`haproxy` on a router); nil keeps the caller's.
    public static func render(_ listener: LBListener, user: String? = "haproxy") -> String {
        let value = { (key: String) in listener.parameters[key] ?? defaults[key] ?? "" }
        // `healthCheckTarget` is `<method>:<port|default>`; `default` means the instance port.
        let checkPort = listener.parameters["healthCheckTarget"]
            .flatMap { $0.split(separator: ":").last.map(String.init) }
            .flatMap { $0 == "default" ? nil : $0 } ?? String(listener.instancePort)
        var lines = ["global", "    maxconn \(value("maxConnection"))", "    log 127.0.0.1 local1"]
        if let user { lines += ["    user \(user)", "    group \(user)"] }
        lines += [
            "    daemon",
            "",
            "listen \(listener.listenerUuid)",
            "    mode \(listener.mode)",
            "    timeout client \(value("connectionIdleTimeout"))s",
            "    timeout server \(value("connectionIdleTimeout"))s",
            "    timeout connect 60s",
            "    balance \(value("balancerAlgorithm"))",
            "    bind \(listener.vip):\(listener.loadBalancerPort)",
        ]
        // ZStack 1.0's template points servers at loadBalancerPort; the backends listen on instancePort.
        lines += listener.backends.map { ip in
            "    server nic-\(ip) \(ip):\(listener.instancePort) check port \(checkPort) "
                + "inter \(value("healthCheckInterval"))s rise \(value("healthyThreshold")) "
                + "fall \(value("unhealthyThreshold"))"
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
