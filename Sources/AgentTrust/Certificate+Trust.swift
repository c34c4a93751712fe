import Crypto
import SwiftASN1
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension Certificate {
    /// The DER encoding, what TLS puts on the wire and what fingerprints are taken of.
    func derBytes() throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(self)
        return serializer.serializedBytes
    }

    /// SHA-256 of the DER certificate as "AA:BB:..." — the form `openssl x509 -fingerprint -sha256` prints,
    /// so an operator can compare the two.
    var sha256Fingerprint: String {
        guard let der = try? derBytes() else { return "" }
        return SHA256.hash(data: der).map { byte in
            let hex = String(byte, radix: 16, uppercase: true)
            return hex.count == 1 ? "0" + hex : hex
        }.joined(separator: ":")
    }

    func pemString() throws -> String {
        do {
            return try serializeAsPEM().pemString + "\n"
        } catch {
            throw AgentTrustError(.corrupt, "cannot encode the certificate \(subject) as PEM: \(error)")
        }
    }
}

extension Date {
    /// The date cut to a whole second. Certificates hold whole seconds and swift-certificates rounds to the
    /// nearest: a notBefore of "now" could land up to half a second in the future, and a certificate
    /// checked at once would be "not valid before" its own issue time.
    var wholeSecond: Date {
        Date(timeIntervalSince1970: timeIntervalSince1970.rounded(.down))
    }

    /// "2026-12-01T20:11:00Z": the UTC form used in refusal reasons, independent of the host's locale.
    var utcTimestamp: String {
        var seconds = time_t(timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%SZ", &parts)
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
