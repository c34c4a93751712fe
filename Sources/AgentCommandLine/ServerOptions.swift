import AgentServer
import ArgumentParser
import Logging

/// The command-line options every agent executable shares: where to listen and how much to log.
public struct ServerOptions: ParsableArguments {
    @Option(help: "Address to listen on.")
    public var listen = "0.0.0.0"

    @Option(help: "TCP port to listen on (default: the agent's ZStack port, 7070 / 7171 / 7272).")
    public var port: Int?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    public var logLevel: Logger.Level = .info

    public init() {}

    public func validate() throws {
        if let port, !(0...65535).contains(port) { throw ValidationError("--port must be 0...65535") }
    }

    /// The server configuration these options describe, on `defaultPort` unless `--port` says otherwise.
    public func serverConfiguration(defaultPort: Int) -> AgentServerConfiguration {
        AgentServerConfiguration(listenAddress: listen, port: port ?? defaultPort)
    }

    /// Sends every log line at `--log-level` or above to standard error, which the init script redirects
    /// to the agent's log file. Call once, first thing in `run()`.
    public func bootstrapLogging() {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
