/// A command body the agents would get from a real management node, before mutation.
struct CorpusEntry: Sendable {
    enum Kind: String, Sendable {
        /// Served sync: the reply is the HTTP body.
        case sync
        /// Served async: 200 at once, the reply at `callbackurl`.
        case async
        /// The agent's echo: an empty 200 whatever the body.
        case echo
        /// A path the MN knows but this agent does not serve: 404.
        case unserved
    }

    let path: String
    let kind: Kind
    let body: String
}

/// One request the fuzzer sends, with what it did to the corpus body (printed for a failure, so the case
/// can be replayed by hand).
struct FuzzCase: Sendable {
    enum Headers: Sendable, Equatable {
        /// What the MN sends: `taskuuid` and a loopback `callbackurl` for async paths, nothing for sync ones.
        case standard
        case noTaskUUID
        case taskUUID(String)
        case noCallbackURL
        case callbackURL(String)
    }

    let index: Int
    let path: String
    let kind: CorpusEntry.Kind
    let body: [UInt8]
    let headers: Headers
    let mutation: String

    /// For failure reports: the path, the headers and at most 300 bytes of the body.
    var summary: String {
        let head = String(decoding: body.prefix(300), as: UTF8.self).debugDescription
        return "#\(index) \(kind.rawValue) \(path) [\(mutation)] headers=\(headers) body(\(body.count) B)=\(head)"
    }
}

/// SplitMix64: tiny, fast and fully determined by its seed, so every request of a run can be rebuilt from
/// the printed seed and its index alone.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
