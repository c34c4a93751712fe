/// A command the agent refused or could not carry out; its message becomes the reply's `error`.
struct SftpBackupStorageError: Error, CustomStringConvertible {
    let message: String

    init(_ message: String) {
        self.message = message
    }

    var description: String { message }
}
