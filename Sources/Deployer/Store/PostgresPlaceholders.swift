/// The inventory writes its statements with `?` placeholders (SQLite's); PostgreSQL numbers them. The
/// rewrite leaves a `?` alone where it is text rather than a placeholder: inside a '…' string literal, a
/// "…" quoted identifier, or a comment. A doubled quote inside a literal ('it''s') closes and reopens it,
/// which the scan handles without a special case.
enum PostgresPlaceholders {
    /// `sql` with its placeholders numbered `$1, $2, …` in order, and how many there were.
    static func numbered(_ sql: String) -> (sql: String, count: Int) {
        enum Context { case code, literal, identifier, lineComment, blockComment }
        var context = Context.code
        var output = ""
        output.reserveCapacity(sql.utf8.count + 8)
        var count = 0
        var characters = sql.makeIterator()
        var next = characters.next()
        while let character = next {
            next = characters.next()
            switch context {
            case .code:
                switch character {
                case "?":
                    count += 1
                    output += "$\(count)"
                    continue
                case "'": context = .literal
                case "\"": context = .identifier
                case "-" where next == "-", "/" where next == "*":
                    // Both characters of the opener are taken, so "/*/" does not close at once.
                    context = character == "-" ? .lineComment : .blockComment
                    output.append(character)
                    output.append(next!)
                    next = characters.next()
                    continue
                default: break
                }
            case .literal where character == "'", .identifier where character == "\"":
                context = .code
            case .lineComment where character == "\n":
                context = .code
            case .blockComment where character == "*" && next == "/":
                output.append(character)
                output.append("/")
                next = characters.next()
                context = .code
                continue
            default:
                break
            }
            output.append(character)
        }
        return (output, count)
    }
}
