/// Quoting for command lines that a remote POSIX shell (`sh`, `bash`, `dash`) will parse.
///
/// SSH has no argv: the server hands the whole command string to the user's shell. Quoting every argument
/// this way is the only safe way to pass untrusted strings (file names, keys, user input) to a remote program.
public enum ShellQuoting {
    /// One argument as a single-quoted shell word: `it's` becomes `'it'\''s'`. Inside single quotes the shell
    /// expands nothing, so the only character that needs care is the single quote itself.
    public static func quote(_ argument: String) -> String {
        "'" + argument.replacing("'", with: #"'\''"#) + "'"
    }

    /// A command line that runs `argv[0]` with exactly the arguments `argv[1...]`.
    public static func join(_ argv: [String]) -> String {
        argv.map(quote).joined(separator: " ")
    }
}
