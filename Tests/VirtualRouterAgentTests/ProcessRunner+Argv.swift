import HostSystem

/// The lab's runners: argv arrays, for the many `ip` and probe commands the tests type out.
typealias CommandRunner = ProcessRunner

extension ProcessRunner {
    static func inNamespace(_ name: String) -> ProcessRunner { ProcessRunner(networkNamespace: name) }

    /// Runs to success and returns standard output.
    @discardableResult
    func check(_ argv: [String], input: String? = nil) async throws -> String {
        try await run(argv[0], Array(argv.dropFirst()), input: input.map { Array($0.utf8) }).text
    }

    /// Runs to its end whatever the exit status.
    func run(_ argv: [String]) async throws -> (succeeded: Bool, stdout: String) {
        let exit = try await execute(argv[0], Array(argv.dropFirst()))
        return (exit.exitStatus == 0, exit.output.text)
    }
}
