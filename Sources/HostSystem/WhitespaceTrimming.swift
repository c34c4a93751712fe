extension StringProtocol {
    /// The text without leading and trailing whitespace (newlines included): program output, pid files,
    /// values Python's `str(x)` round trips left blanks around. Foundation's `trimmingCharacters(in:)` is
    /// not in FoundationEssentials, which is all these modules import.
    public func trimmingWhitespace() -> String {
        guard let first = firstIndex(where: { !$0.isWhitespace }), let last = lastIndex(where: { !$0.isWhitespace }) else {
            return ""
        }
        return String(self[first...last])
    }
}
