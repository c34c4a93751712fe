/// The values the mutator writes into command bodies. Paths aim at the canary directory (which must stay
/// untouched) and at marker names under /tmp and /etc/cron.d (which must never appear), so an escape from
/// a storage root is seen as an effect, not guessed from a reply.
struct HostileValues: Sendable {
    let strings: [JSONTree]
    /// For fields the agent connects to (`hostname`, `url`, `sendCommandUrl`...): only loopback, closed
    /// ports or schemes that must be refused, so no mutation makes an agent reach beyond 127.0.0.1 (a
    /// name such as "/" or unicode would go to the DNS resolver).
    let destinations: [JSONTree]
    let numbers: [JSONTree]
    let negativeSizes: [JSONTree]
    /// One value of every JSON type, for type swaps.
    let kinds: [JSONTree]
    /// Raw `callbackurl` values the agent must refuse with 400 (`--callback-to 127.0.0.0/8`).
    let refusedCallbackURLs: [String]

    /// Member names whose values the agents use as network destinations.
    static let destinationKeys: Set<String> = [
        "hostname", "destHostIp", "destHostManagementIp", "srcHostIp", "url", "sendCommandUrl", "hostManagementIp",
    ]

    static let megabyte = String(repeating: "A", count: 1 << 20)

    init(world: HostileWorld) {
        let canary = world.canary, marker = world.marker
        strings = [
            "", "\u{0}", "vm\u{0}.qcow2", "line1\nline2\r\nline3", "../../etc/passwd", "/", "/etc/shadow", "/dev/zero",
            "/proc/self/environ", "\(canary)", "\(canary)/victim.qcow2", "../../../../../../..\(canary)/victim.qcow2",
            "\(world.storageRoot)/../../../..\(canary)/victim.qcow2", "/etc/cron.d/\(marker)", "/tmp/\(marker)",
            "../../../../../../../tmp/\(marker)", "$(touch /tmp/\(marker)-sh)", "`touch /tmp/\(marker)-bt`",
            "; touch /tmp/\(marker)-semi", "--help", "-rf", "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
            "ｚｓｔａｃｋ 🧨 \u{202E}gnp.exe \u{FEFF}ä\u{0301}", "br0 type dummy", "eth0\u{7F}", "\(canary)\n/etc/shadow",
        ].map(JSONTree.string) + [
            .string(Self.megabyte),
            // A lone surrogate: valid JSON text, not a valid Unicode scalar.
            .scalar(#""\ud800tail""#),
            .scalar(#""\u0000\u001f\u007f""#),
        ]
        destinations = [
            "", "127.0.0.1", "127.0.0.1:1", "http://127.0.0.1:1/../../etc/passwd", "file:///etc/shadow",
            "file://\(canary)/victim.qcow2", "file:///dev/zero", "file:///proc/self/environ",
            "sftp://root:secret@127.0.0.1:1/etc/shadow", "http+unix://%2Fvar%2Frun%2Flibvirt%2Flibvirt-sock/x",
            "ftp://127.0.0.1:1/x", "http://127.0.0.1:1/\(Self.megabyte.prefix(4096))",
        ].map(JSONTree.string)
        numbers = [
            "9223372036854775808", "-9223372036854775808", "9223372036854775807", "18446744073709551616",
            "1e308", "-1e308", "1e309", "4.9e-324", "-1", "0", "-0", "0.5", "123456789012345678901234567890",
        ].map(JSONTree.scalar)
        negativeSizes = ["-1", "-4096", "-9223372036854775808", "-2147483649"].map(JSONTree.scalar)
        kinds = [
            .string("x"), .scalar("42"), .scalar("true"), .scalar("null"), .object([]), .array([]),
            .object([(key: "a", value: .scalar("1"))]), .array([.string("a"), .scalar("1")]),
        ]
        refusedCallbackURLs = [
            "http+unix://%2Fvar%2Frun%2Flibvirt%2Flibvirt-sock/x", "file:///etc/shadow", "http://192.0.2.1:9/cb",
            "http://10.255.255.1/zstack/asyncrest/callback", "http://[::1]:1/cb", "http://hfz.invalid/cb",
            "gopher://127.0.0.1:1/x", "http://127.0.0.1:99999/cb", "http://user:pw@127.0.0.1:1/cb", "",
            "http://" + String(repeating: "a", count: 4096),
        ]
    }
}
