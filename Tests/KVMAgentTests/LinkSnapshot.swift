import Foundation
import TestSupport

/// The test's own reading of `ip -d -j link show` in a namespace, independent of the agent's code.
struct LinkSnapshot: Equatable {
    struct Link: Decodable, Equatable {
        struct Info: Decodable, Equatable {
            struct Data: Decodable, Equatable {
                var id: Int?
                var stp_state: Int?
                var forward_delay: Int?
            }
            var info_kind: String?
            var info_data: Data?
        }

        var ifindex: Int
        var ifname: String
        var flags: [String]
        var mtu: Int
        var master: String?
        var link: String?
        var linkinfo: Info?
    }

    let links: [String: Link]

    static func read(_ namespace: NetworkNamespace) async throws -> LinkSnapshot {
        let output = try await namespace.ip(["-d", "-j", "link", "show"])
        let links = try JSONDecoder().decode([Link].self, from: Data(output.output.utf8))
        return LinkSnapshot(links: Dictionary(uniqueKeysWithValues: links.map { ($0.ifname, $0) }))
    }

    subscript(_ name: String) -> Link? { links[name] }
}
