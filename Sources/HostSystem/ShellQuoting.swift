/// POSIX shell quoting for display: a logged command line can be copied into a shell and mean the same argv.
enum ShellQuoting {
    private static let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%")

    static func quote(_ argument: String) -> String {
        if !argument.isEmpty, argument.allSatisfy({ safe.contains($0) }) { return argument }
        return "'" + argument.replacing("'", with: #"'\''"#) + "'"
    }
}
