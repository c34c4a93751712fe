import AgentWire

/// What one request came to. The first six are the agent keeping the contract; the last three are bugs.
enum Verdict: Sendable {
    case success
    case inBandFailure
    case clientError(Int)
    case busy
    case notFound
    case tooLarge
    case crash(String)
    case hang(String)
    case wrong(String)

    var isBug: Bool {
        switch self {
        case .crash, .hang, .wrong: true
        default: false
        }
    }

    var bugKind: String? {
        switch self {
        case .crash: "crash"
        case .hang: "hang"
        case .wrong: "wrong reply"
        default: nil
        }
    }

    /// A reply body must be a JSON object with a boolean `success`, and an `error` string when it is false.
    /// Returns the success flag, or why the body breaks the envelope.
    static func envelope(_ body: [UInt8]) -> Result<Bool, EnvelopeError> {
        guard let value = try? WireJSON.decode(JSONValue.self, from: body), case .object(let members) = value,
              !body.isEmpty
        else { return .failure(EnvelopeError("not a JSON object: \(String(decoding: body.prefix(200), as: UTF8.self).debugDescription)")) }
        guard case .bool(let success)? = members["success"] else {
            return .failure(EnvelopeError("no boolean success in \(String(decoding: body.prefix(200), as: UTF8.self))"))
        }
        if !success, members["error"]?.stringValue == nil {
            return .failure(EnvelopeError("success false without an error string"))
        }
        return .success(success)
    }

    struct EnvelopeError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
