import HTTPTypes

extension HTTPFields {
    /// The value `self[name]` gives (repeated fields joined with ", ", as the MN's Python agents read them
    /// too), without its cost in the usual case of one field or none: the subscript joins through a lazy
    /// sequence even a single value, about 4,000 instructions for a request's Content-Length, a sixth of
    /// what separates an echo from bare Hummingbird's.
    func value(of name: HTTPField.Name) -> String? {
        var found: String?
        for field in self where field.name == name {
            guard found == nil else { return self[name] }
            found = field.value
        }
        return found
    }
}
