import AgentTrust
import Foundation
import Testing
import TestSupport

@Suite struct TrustStoreTests {
    let ca: CertificateAuthority
    let store: TrustStore

    init() throws {
        ca = try CertificateAuthority.create(commonName: "zstack CA", notAfter: .now + year)
        store = try TrustStore(pemBundle: ca.certificatePEM)
    }

    @Test func trustsALeafOfItsCA() async throws {
        let server = try ca.issue(.server(commonName: "host-1", addresses: ["127.0.0.1"]), notAfter: .now + hour)
        let client = try ca.issue(.client(commonName: "mn"), notAfter: .now + hour)
        #expect(await store.verify(chain: try derChain(server), usage: .server) == .trusted(subject: "CN=host-1"))
        #expect(await store.verify(chain: try derChain(client), usage: .client) == .trusted(subject: "CN=mn"))
    }

    @Test func refusesAnExpiredCertificate() async throws {
        let notAfter = Date.now - hour
        let expired = try ca.issue(.client(commonName: "mn"), notBefore: .now - 2 * hour, notAfter: notAfter)
        let decision = await store.verify(chain: try derChain(expired), usage: .client)
        let expected = try #require(reason(decision))
        #expect(expected.hasPrefix("certificate expired at "))
        #expect(expected.contains(String(ISO8601DateFormatter().string(from: notAfter).prefix(16))))
    }

    @Test func refusesACertificateNotYetValid() async throws {
        let future = try ca.issue(.client(commonName: "mn"), notBefore: .now + hour, notAfter: .now + 2 * hour)
        let decision = await store.verify(chain: try derChain(future), usage: .client)
        #expect(reason(decision)?.hasPrefix("not valid before ") == true)
        // The same chain at a time inside its validity is trusted: `at` is honoured.
        #expect(await store.verify(chain: try derChain(future), usage: .client, at: .now + 1.5 * hour) == .trusted(subject: "CN=mn"))
    }

    @Test func refusesALeafOfAnotherCA() async throws {
        let other = try CertificateAuthority.create(commonName: "rogue CA", notAfter: .now + year)
        let leaf = try other.issue(.client(commonName: "mn"), notAfter: .now + hour)
        #expect(await store.verify(chain: try derChain(leaf), usage: .client)
            == .refused(reason: "issued by CN=rogue CA which this agent does not trust"))
    }

    @Test func refusesALeafOfAnotherCAWithTheSameName() async throws {
        let impostor = try CertificateAuthority.create(commonName: "zstack CA", notAfter: .now + year)
        let leaf = try impostor.issue(.client(commonName: "mn"), notAfter: .now + hour)
        #expect(await store.verify(chain: try derChain(leaf), usage: .client)
            == .refused(reason: "issued by CN=zstack CA which this agent does not trust"))
    }

    @Test func refusesAClientCertificateUsedAsServer() async throws {
        let client = try ca.issue(.client(commonName: "mn"), notAfter: .now + hour)
        #expect(await store.verify(chain: try derChain(client), usage: .server)
            == .refused(reason: "not a server certificate (extended key usage)"))
        let server = try ca.issue(.server(commonName: "h", addresses: ["127.0.0.1"]), notAfter: .now + hour)
        #expect(await store.verify(chain: try derChain(server), usage: .client)
            == .refused(reason: "not a client certificate (extended key usage)"))
    }

    @Test func refusesAnEmptyChainAndGarbage() async throws {
        #expect(await store.verify(chain: [], usage: .client) == .refused(reason: "no certificate presented"))
        let garbage = await store.verify(chain: [[0x30, 0x03, 0x01, 0x02, 0x03]], usage: .client)
        #expect(reason(garbage)?.hasPrefix("not parseable: ") == true)
    }

    @Test func aBundleOfTwoCAsTrustsLeavesOfBoth() async throws {
        let next = try CertificateAuthority.create(commonName: "zstack CA 2", notAfter: .now + year)
        let bundle = try TrustStore(pemBundle: ca.certificatePEM + next.certificatePEM)
        #expect(bundle.certificates.count == 2)
        let old = try ca.issue(.client(commonName: "old"), notAfter: .now + hour)
        let new = try next.issue(.client(commonName: "new"), notAfter: .now + hour)
        #expect(await bundle.verify(chain: try derChain(old), usage: .client) == .trusted(subject: "CN=old"))
        #expect(await bundle.verify(chain: try derChain(new), usage: .client) == .trusted(subject: "CN=new"))
        // ...while the old bundle alone refuses the new CA's leaves.
        #expect(reason(await store.verify(chain: try derChain(new), usage: .client))?.hasPrefix("issued by CN=zstack CA 2") == true)
    }

    @Test func aBundleWithoutCertificatesIsAnError() throws {
        let empty = #expect(throws: AgentTrustError.self) { try TrustStore(pemBundle: "") }
        #expect(empty?.message.contains("no certificate") == true)
        let keyOnly = try ca.issue(.client(commonName: "c"), notAfter: .now + hour).privateKeyPEM
        #expect(throws: AgentTrustError.self) { try TrustStore(pemBundle: keyOnly) }
        let temporary = try TemporaryDirectory("agenttrust")
        defer { temporary.remove() }
        let missing = #expect(throws: AgentTrustError.self) { try TrustStore.load(path: temporary.path + "/bundle.pem") }
        #expect(missing?.message.contains("bundle.pem") == true)
    }

    private func reason(_ decision: TrustDecision) -> String? {
        if case .refused(let reason) = decision { return reason }
        return nil
    }
}
