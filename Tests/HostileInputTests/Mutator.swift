/// Turns corpus bodies into hostile requests. Request `index` depends only on the seed and the index, so
/// workers may build requests in any order and a failure is reproducible from the printed pair.
struct Mutator: Sendable {
    let seed: UInt64
    let corpus: [CorpusEntry]
    let trees: [JSONTree]
    let values: HostileValues
    /// The agent's body limit: one request in `oversizeEvery` is a byte over it and must get 413.
    let maxBodyBytes: Int
    let oversizeEvery = 400

    static let depth = 10_000
    static let nestingDepths = [depth, 511, 500, 256]

    init(seed: UInt64, corpus: [CorpusEntry], values: HostileValues, maxBodyBytes: Int) throws {
        self.seed = seed
        self.corpus = corpus
        self.trees = try corpus.map { try JSONTree(parsing: $0.body) }
        self.values = values
        self.maxBodyBytes = maxBodyBytes
    }

    func request(_ index: Int) -> FuzzCase {
        var rng = SplitMix64(seed: seed ^ (UInt64(index) &* 0xD1B5_4A32_D192_ED03))
        let pick = Int.random(in: 0..<corpus.count, using: &rng)
        let entry = corpus[pick], tree = trees[pick]
        func make(_ body: [UInt8], _ mutation: String, _ headers: FuzzCase.Headers = .standard) -> FuzzCase {
            FuzzCase(index: index, path: entry.path, kind: entry.kind, body: body, headers: headers, mutation: mutation)
        }
        if index % oversizeEvery == oversizeEvery - 1 {
            return make(Array(repeating: UInt8(ascii: " "), count: maxBodyBytes + 1), "oversize")
        }
        let roll = Int.random(in: 0..<100, using: &rng)
        switch roll {
        case 0..<10:
            return make(Array(tree.text.utf8), "corpus")
        case 10..<22 where entry.kind == .async:
            return make(Array(tree.text.utf8), "headers", headers(using: &rng))
        case 22..<34:
            let (bytes, name) = wholeBody(tree, using: &rng)
            return make(bytes, name)
        default:
            var mutated = tree
            var names: [String] = []
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let (next, name) = mutate(mutated, using: &rng)
                mutated = next
                names.append(name)
            }
            return make(Array(mutated.text.utf8), names.joined(separator: "+"))
        }
    }

    private func headers(using rng: inout SplitMix64) -> FuzzCase.Headers {
        switch Int.random(in: 0..<5, using: &rng) {
        case 0: .noTaskUUID
        case 1: .taskUUID("")
        case 2: .taskUUID(String(repeating: "f", count: 8192))
        case 3: .noCallbackURL
        default: .callbackURL(values.refusedCallbackURLs.randomElement(using: &rng)!)
        }
    }

    /// Replacements for the whole body: broken, empty, non-JSON or nested beyond any sane depth.
    private func wholeBody(_ tree: JSONTree, using rng: inout SplitMix64) -> ([UInt8], String) {
        let text = Array(tree.text.utf8)
        switch Int.random(in: 0..<7, using: &rng) {
        case 0:
            return (Array(text.prefix(Int.random(in: 0..<max(1, text.count), using: &rng))), "truncated")
        case 1:
            return ((0..<Int.random(in: 1...512, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }, "random-bytes")
        case 2:
            return ([], "empty")
        case 3:
            return (Array(["[]", "1", "\"s\"", "null", "true", "{}{}", "{\"a\":1,}", "\u{FEFF}{}"]
                .randomElement(using: &rng)!.utf8), "top-level")
        case 4:
            return (Array((String(repeating: "[", count: Self.depth) + String(repeating: "]", count: Self.depth)).utf8), "deep-array")
        case 5:
            return (Array((String(repeating: "{\"a\":", count: Self.depth) + "1" + String(repeating: "}", count: Self.depth)).utf8), "deep-object")
        default:
            // Unterminated nesting: the parser must stop at its depth limit or at the end, not run off it.
            return (Array(String(repeating: "[{\"a\":", count: Self.depth).utf8), "deep-unterminated")
        }
    }

    /// One edit of one value somewhere in the tree.
    private func mutate(_ tree: JSONTree, using rng: inout SplitMix64) -> (JSONTree, String) {
        let locations = tree.locations
        guard let location = locations.randomElement(using: &rng) else { return (tree, "no-op") }
        let steps = location.steps[...]
        let destination = location.key.map(HostileValues.destinationKeys.contains) ?? false
        func put(_ value: JSONTree, _ name: String) -> (JSONTree, String) {
            (tree.replacing(at: steps) { _ in value } ?? tree, "\(name)@\(location.key ?? "[]")")
        }
        switch Int.random(in: 0..<8, using: &rng) {
        case 0:
            return put(values.kinds.randomElement(using: &rng)!, "type")
        case 1:
            return put(values.numbers.randomElement(using: &rng)!, "number")
        case 2:
            return put(values.negativeSizes.randomElement(using: &rng)!, "negative")
        case 3:
            let pool = destination ? values.destinations : values.strings
            return put(pool.randomElement(using: &rng)!, "string")
        case 4:
            return (tree.replacing(at: steps) { _ in nil } ?? tree, "remove@\(location.key ?? "[]")")
        case 5:
            // A no-op for array items: only object members can be written twice.
            return (tree.duplicatingMember(at: steps, value: values.kinds.randomElement(using: &rng)!),
                    "duplicate@\(location.key ?? "[]")")
        case 6:
            let open = Bool.random(using: &rng) ? "[" : "{\"k\":"
            let close = open == "[" ? "]" : "}"
            // Foundation's parser stops at 512 levels; just below it the document parses and every
            // recursive consumer (free-form fields such as kvmHostAddons, masking, re-encoding) must cope.
            let depth = Self.nestingDepths.randomElement(using: &rng)!
            return put(.scalar(String(repeating: open, count: depth) + "0" + String(repeating: close, count: depth)),
                       "deep\(depth)")
        default:
            return put(destination ? values.destinations.last! : .string(HostileValues.megabyte), "long")
        }
    }
}
