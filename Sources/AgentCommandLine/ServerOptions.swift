import AgentServer
import ArgumentParser
import Logging

/// The command-line options every agent executable shares: where to listen, who may command the agent,
/// how much to log. The playbooks write them into the agent's defaults file.
public struct ServerOptions: ParsableArguments {
    @Option(help: "Address to listen on.")
    public var listen = "0.0.0.0"

    @Option(help: "TCP port to listen on (default: the agent's ZStack port, 7070 / 7171 / 7272).")
    public var port: Int?

    @Option(help: ArgumentHelp(
        "Who may command the agent: mtls, token or none.",
        discussion: """
            mtls: TLS with a client certificate signed by a CA in --tls-ca (what zstack-deploy provisions). \
            token: Authorization: Bearer <the token in --token-file>. none: plain HTTP as ZStack's own agents \
            speak it, for an unmodified management node: pair it with --allow-from.
            """))
    public var auth: AuthMode = .none

    @Option(help: "File holding the bearer token (--auth token); must be mode 600.")
    public var tokenFile: String?

    @Option(help: "PEM certificate of this agent (--auth mtls).")
    public var tlsCert: String?

    @Option(help: "PEM private key of that certificate (--auth mtls).")
    public var tlsKey: String?

    @Option(help: "PEM bundle of the CAs whose client certificates are accepted (--auth mtls).")
    public var tlsCa: String?

    @Option(help: "Accept connections only from this address or CIDR network (repeatable; default: any).")
    public var allowFrom: [String] = []

    @Option(help: "Callback and event URLs must point into this CIDR network (repeatable; default: any http(s) host).")
    public var callbackTo: [String] = []

    @Option(help: "Largest request body accepted, in bytes.")
    public var maxBodyBytes: Int = AgentServerConfiguration(port: 0).maxBodyBytes

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    public var logLevel: Logger.Level = .info

    public enum AuthMode: String, ExpressibleByArgument, CaseIterable, Sendable {
        case mtls, token, none
    }

    public init() {}

    public func validate() throws {
        if let port, !(0...65535).contains(port) { throw ValidationError("--port must be 0...65535") }
        guard (1024...(1 << 30)).contains(maxBodyBytes) else { throw ValidationError("--max-body-bytes must be 1024...1073741824") }
        switch auth {
        case .token:
            guard tokenFile != nil else { throw ValidationError("--auth token needs --token-file") }
        case .mtls:
            guard tlsCert != nil, tlsKey != nil, tlsCa != nil else {
                throw ValidationError("--auth mtls needs --tls-cert, --tls-key and --tls-ca")
            }
        case .none:
            guard tokenFile == nil, tlsCert == nil, tlsKey == nil, tlsCa == nil else {
                // Files given without the mode that uses them mean a mistake, not "run without auth".
                throw ValidationError("--token-file/--tls-* are given but --auth is none: say --auth token or --auth mtls")
            }
        }
        for entry in allowFrom + callbackTo {
            do { _ = try SourceAddressRange(entry) } catch { throw ValidationError(error.description) }
        }
    }

    /// The server configuration these options describe, on `defaultPort` unless `--port` says otherwise.
    /// - Throws: `AgentSecurityError` when the token file cannot be used.
    public func serverConfiguration(defaultPort: Int) throws -> AgentServerConfiguration {
        let authentication: AgentAuthentication
        switch auth {
        case .none:
            authentication = .none
        case .token:
            authentication = .token(try AgentToken.load(path: tokenFile ?? ""))
        case .mtls:
            authentication = .mutualTLS(MutualTLSFiles(
                certificatePath: tlsCert ?? "", privateKeyPath: tlsKey ?? "", trustBundlePath: tlsCa ?? ""))
        }
        return AgentServerConfiguration(
            listenAddress: listen, port: port ?? defaultPort, authentication: authentication,
            allowFrom: try allowFrom.map { try SourceAddressRange($0) },
            callbackTo: try callbackTo.map { try SourceAddressRange($0) },
            maxBodyBytes: maxBodyBytes)
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
