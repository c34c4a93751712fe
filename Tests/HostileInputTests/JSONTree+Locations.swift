/// Addressing inside a `JSONTree`: every value below the root has a path of child indices, and the
/// member name it sits under (if any), which decides which hostile values it may receive.
extension JSONTree {
    struct Location: Sendable {
        var steps: [Int]
        var key: String?
        var node: JSONTree
    }

    /// Every value below the root, depth first.
    var locations: [Location] {
        var found: [Location] = []
        collect(into: &found, prefix: [], key: nil)
        return found
    }

    private func collect(into found: inout [Location], prefix: [Int], key: String?) {
        if !prefix.isEmpty { found.append(Location(steps: prefix, key: key, node: self)) }
        switch self {
        case .scalar: break
        case .array(let items):
            for (index, item) in items.enumerated() { item.collect(into: &found, prefix: prefix + [index], key: key) }
        case .object(let members):
            for (index, member) in members.enumerated() {
                member.value.collect(into: &found, prefix: prefix + [index], key: member.key)
            }
        }
    }

    /// The tree with the value at `steps` replaced by `change(value)`, or removed when it returns nil.
    func replacing(at steps: ArraySlice<Int>, _ change: (JSONTree) -> JSONTree?) -> JSONTree? {
        guard let first = steps.first else { return change(self) }
        let rest = steps.dropFirst()
        switch self {
        case .scalar:
            return self
        case .array(var items):
            guard items.indices.contains(first) else { return self }
            if let updated = items[first].replacing(at: rest, change) { items[first] = updated } else { items.remove(at: first) }
            return .array(items)
        case .object(var members):
            guard members.indices.contains(first) else { return self }
            if let updated = members[first].value.replacing(at: rest, change) {
                members[first].value = updated
            } else {
                members.remove(at: first)
            }
            return .object(members)
        }
    }

    /// The object with its member at `index` written twice, the second time with `value`: JSON leaves
    /// duplicated keys undefined, so the agent must pick one without failing.
    func duplicatingMember(at steps: ArraySlice<Int>, value: JSONTree) -> JSONTree {
        guard let first = steps.first else { return self }
        let rest = steps.dropFirst()
        switch self {
        case .scalar: return self
        case .array(var items):
            guard items.indices.contains(first) else { return self }
            items[first] = items[first].duplicatingMember(at: rest, value: value)
            return .array(items)
        case .object(var members):
            guard members.indices.contains(first) else { return self }
            if rest.isEmpty {
                members.insert((key: members[first].key, value: value), at: first + 1)
            } else {
                members[first].value = members[first].value.duplicatingMember(at: rest, value: value)
            }
            return .object(members)
        }
    }
}
