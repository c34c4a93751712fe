/// Which URLs the agent may POST to on the MN's word: callback URLs (header `callbackurl`) and the
/// event URL (`sendCommandUrl`). Only plain `http://` and `https://` with a host and nothing else:
/// AsyncHTTPClient also speaks `http+unix://`, which would turn a root agent into a relay to any local
/// socket. With `allowedNetworks` set, the host must be an address literal inside one of them.
public struct OutboundURLPolicy: Sendable {
    public let allowedNetworks: [SourceAddressRange]

    public init(allowedNetworks: [SourceAddressRange] = []) {
        self.allowedNetworks = allowedNetworks
    }

    /// - Parameter field: where the URL came from, named in the error.
    /// - Throws: `OutboundURLError` saying what is wrong.
    public func check(_ url: String, field: String) throws(OutboundURLError) {
        func refuse(_ why: String) -> OutboundURLError {
            OutboundURLError(description: "\(field) \(Self.quoted(url)) refused: \(why)")
        }
        guard url.utf8.count <= 2048 else { throw refuse("longer than 2048 bytes") }
        guard url.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7f }) else {
            throw refuse("it holds blanks, control or non-ASCII characters")
        }
        let lower = url.lowercased()
        let rest: Substring
        if lower.hasPrefix("http://") {
            rest = url.dropFirst(7)
        } else if lower.hasPrefix("https://") {
            rest = url.dropFirst(8)
        } else {
            throw refuse("only http:// and https:// URLs are allowed")
        }
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.contains("@") else { throw refuse("user information in the URL is not allowed") }
        let host: Substring
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw refuse("unterminated IPv6 address") }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            guard after.isEmpty || Self.isPort(after) else { throw refuse("bad port") }
        } else {
            let parts = authority.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            host = parts[0]
            guard parts.count == 1 || Self.isPort(":" + parts[1]) else { throw refuse("bad port") }
        }
        guard !host.isEmpty else { throw refuse("it names no host") }
        guard !allowedNetworks.isEmpty else { return }
        guard let address = try? SourceAddressRange(String(host)),
              allowedNetworks.contains(where: { $0.covers(address) }) else {
            throw refuse("its host is not an address inside the agent's --callback-to networks (\(allowedNetworks.map(\.description).joined(separator: ", ")))")
        }
    }

    private static func isPort(_ text: Substring) -> Bool {
        guard text.hasPrefix(":") else { return false }
        let digits = text.dropFirst()
        return !digits.isEmpty && digits.count <= 5 && digits.allSatisfy(\.isASCII) && digits.allSatisfy(\.isNumber)
            && Int(digits).map { (1...65535).contains($0) } == true
    }

    /// Truncated and escaped for error text: a hostile URL must not forge log lines.
    static func quoted(_ url: String) -> String {
        LogSafe.text(url, limit: 200).debugDescription
    }
}

public struct OutboundURLError: Error, CustomStringConvertible {
    public let description: String
}
