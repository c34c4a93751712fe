extension Validate {
    /// An IPv6 address, returned in canonical form (`IPv6Address`).
    public static func ipv6(_ value: String?, _ field: String) throws(InvalidField) -> String {
        guard let value, let address = IPv6Address(value) else {
            throw InvalidField(field: field, value: value, expected: "an IPv6 address")
        }
        return address.description
    }
}
