/// Builds `ipset restore` input that makes each wanted set exist with exactly its members. Pure: the current
/// `IpsetListing` is an input.
///
/// A new set is created and filled. A set whose members differ is rebuilt under a temporary name and swapped
/// in: `swap` exchanges two sets in one step, so a rule matching the set sees the old members or the new
/// ones, never a half-filled set (a flush-and-refill would briefly match nobody). A set that already holds
/// exactly those members is left alone. Members are compared as written; one the kernel prints differently
/// (an IPv4 range it stores as networks) makes its set be rebuilt each time, which costs a swap, not a
/// wrong set.
public enum IpsetRestoreScript {
    public static func script(for sets: [IpsetSet], current: IpsetListing) -> String {
        var lines: [String] = []
        for set in sets {
            let fill = { (name: String) in set.members.map { "add \(name) \($0) -exist" } }
            guard let existing = current.sets[set.name] else {
                lines.append("create \(set.name) \(IpsetSet.type) family \(set.family.rawValue)")
                lines += fill(set.name)
                continue
            }
            if Set(existing.members) == Set(set.members) { continue }
            let temporary = temporaryName(for: set)
            // -exist and flush: a temporary set left by a restore that failed half-way is reused, not an error.
            lines.append("create \(temporary) \(IpsetSet.type) family \(set.family.rawValue) -exist")
            lines.append("flush \(temporary)")
            lines += fill(temporary)
            lines.append("swap \(temporary) \(set.name)")
            lines.append("destroy \(temporary)")
        }
        return lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }

    public static func destroyScript(_ names: [String]) -> String {
        names.isEmpty ? "" : names.map { "destroy \($0)" }.joined(separator: "\n") + "\n"
    }

    /// Within the name limit, and per family (a leftover of the other family could not be reused).
    static func temporaryName(for set: IpsetSet) -> String {
        let suffix = set.family == .inet ? "-tmp4" : "-tmp6"
        return set.name.prefix(IpsetSet.maximumNameLength - suffix.count) + suffix
    }
}
