/// One ipset as an agent wants it: a `hash:net` of addresses, networks or IPv4 ranges of one family, which
/// is the only kind ZStack's agents make. Members go verbatim into `ipset restore` input, so callers pass
/// only validated addresses.
public struct IpsetSet: Sendable, Equatable {
    public enum Family: String, Sendable {
        case inet
        case inet6
    }

    public static let type = "hash:net"
    /// The kernel's limit is 31 bytes (`IPSET_MAXNAMELEN` with its NUL).
    public static let maximumNameLength = 31

    public let name: String
    public let family: Family
    public let members: [String]

    public init(name: String, family: Family, members: [String]) {
        self.name = name
        self.family = family
        self.members = members
    }
}

/// The sets that exist, as `ipset list` prints them: what `IpsetRestoreScript` compares against, and the
/// reference counts that say whether a set may be destroyed (the kernel refuses to destroy one in use).
public struct IpsetListing: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var type = ""
        public var family = ""
        /// How many iptables rules (or list sets) use it.
        public var references = 0
        public var members: [String] = []

        public init(type: String = "", family: String = "", references: Int = 0, members: [String] = []) {
            self.type = type
            self.family = family
            self.references = references
            self.members = members
        }
    }

    public var sets: [String: Entry] = [:]

    public init(sets: [String: Entry] = [:]) { self.sets = sets }

    /// Reads `ipset list` output: blocks of `Key: value` lines, each ending with its members one a line.
    public static func parse(_ text: String) -> IpsetListing {
        var listing = IpsetListing()
        var name: String?
        var entry = Entry()
        var inMembers = false
        func finish() {
            if let name { listing.sets[name] = entry }
            name = nil
            entry = Entry()
            inMembers = false
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("Name: ") {
                finish()
                name = String(line.dropFirst("Name: ".count))
            } else if inMembers {
                if !line.isEmpty { entry.members.append(line) }
            } else if line.hasPrefix("Type: ") {
                entry.type = String(line.dropFirst("Type: ".count))
            } else if line.hasPrefix("Header: ") {
                let words = line.split(separator: " ")
                if let at = words.firstIndex(of: "family"), at + 1 < words.count { entry.family = String(words[at + 1]) }
            } else if line.hasPrefix("References: ") {
                entry.references = Int(line.dropFirst("References: ".count)) ?? 0
            } else if line == "Members:" {
                inMembers = true
            }
        }
        finish()
        return listing
    }
}
