// The load generator of `make bench`'s agent_http step, for what wrk cannot do: ZStack's async commands
// (ack, then a callback to a receiver of its own), a fixed request rate with latencies counted from when each
// request was due (wrk2 is not packaged by Debian), a fixed number of requests (for callgrind), and the time
// from exec to the first answered echo. Each run prints one line of `key=value` for Benchmarks/run.
//
//   async-load sync URL [--connections 64] [--rate R] [--seconds 10 --warmup 2 | --requests N] [--header 'K: V']
//   async-load async URL --callback-listen HOST:PORT [--in-flight 64] [--body JSON] [--seconds 10 --warmup 2]
//   async-load receiver --listen HOST:PORT --seconds S    the callback receiver alone (its capacity, with wrk)
//   async-load startup URL [--runs 10] -- PROGRAM ARGS... exec → first echo answered, per run and the median
import ArgumentParser
import BenchSupport
import NIOCore
import NIOPosix

@main
struct AsyncLoad: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "async-load",
        abstract: "HTTP load for the agents' benchmarks: sync, async with callbacks, startup.",
        subcommands: [Sync.self, Async.self, Receiver.self, Startup.self])
}

/// Options every load run shares.
struct RunOptions: ParsableArguments {
    @Option(help: "Seconds of load before the measured window.")
    var warmup = 2.0

    @Option(help: "Seconds measured.")
    var seconds = 10.0

    @Option(help: "Send this many requests in all instead of running for --warmup + --seconds.")
    var requests: Int?

    @Option(help: "Event-loop threads of the generator.")
    var threads = 1

    @Option(name: .customLong("header"), help: "An extra request header, 'Name: value' (repeatable).")
    var headers: [String] = []

    var parsedHeaders: [(String, String)] {
        headers.compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), String(line[line.index(after: colon)...].drop { $0 == " " }))
        }
    }
}

extension AsyncLoad {
    struct Sync: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Sync requests on keep-alive connections.")

        @Argument(help: "http://host:port/path")
        var url: URLTarget

        @Option(help: "Connections, one request in flight on each.")
        var connections = 64

        @Option(help: "Requests per second in all (default: as fast as the replies come).")
        var rate: Double?

        @Option(help: "The request body.")
        var body = ""

        @OptionGroup var options: RunOptions

        func run() async throws {
            let pacing: LoadRun.Pacing = rate.map { .fixedRate(interval: UInt64(1e9 * Double(connections) / $0)) } ?? .closedLoop
            let run = LoadRun(target: url, body: body, headers: options.parsedHeaders, pacing: pacing,
                              async: nil, requests: options.requests)
            let group = MultiThreadedEventLoopGroup(numberOfThreads: options.threads)
            print(try await LoadDriver.measure(run, connections: connections, group: group, warmup: options.warmup,
                                               seconds: options.seconds, requests: options.requests))
            try await group.shutdownGracefully()
        }
    }

    struct Async: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Async commands (taskuuid + callbackurl), each complete when its callback arrives.")

        @Argument(help: "http://host:port/path of an async command")
        var url: URLTarget

        @Option(help: "Where the callback receiver listens, host:port.")
        var callbackListen: ListenAddress

        @Option(help: "Commands in flight, one per connection.")
        var inFlight = 64

        @Option(help: "The command's body.")
        var body = "{}"

        @OptionGroup var options: RunOptions

        func run() async throws {
            try await CallbackReceiver.serve(at: callbackListen, threads: options.threads) { pending, group in
                let callbackURL = "http://\(callbackListen.host):\(callbackListen.port)/zstack/asyncrest/callback"
                let run = LoadRun(target: url, body: body, headers: options.parsedHeaders, pacing: .closedLoop,
                                  async: .init(pending: pending, callbackURL: callbackURL), requests: options.requests)
                print(try await LoadDriver.measure(run, connections: inFlight, group: group, warmup: options.warmup,
                                                   seconds: options.seconds, requests: options.requests))
            }
        }
    }

    struct Receiver: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The callback receiver alone, for --seconds.")

        @Option(help: "host:port")
        var listen: ListenAddress

        @Option(help: "Seconds to serve.")
        var seconds = 30.0

        @Option(help: "Event-loop threads.")
        var threads = 1

        func run() async throws {
            try await CallbackReceiver.serve(at: listen, threads: threads) { _, _ in
                try await Task.sleep(for: .milliseconds(Int(seconds * 1_000)))
            }
        }
    }

    struct Startup: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Exec → first answered echo, --runs times.")

        @Argument(help: "http://host:port/path the program will answer")
        var url: URLTarget

        @Option(help: "Starts measured.")
        var runs = 10

        @Option(help: "Seconds a start may take.")
        var timeout = 30.0

        @Argument(parsing: .postTerminator, help: "The program and its arguments.")
        var program: [String]

        func run() throws {
            var times: [Double] = []
            for _ in 0..<runs { times.append(try StartupTimer.measure(program, target: url, timeout: timeout)) }
            let sorted = times.sorted()
            let median = sorted.count % 2 == 1 ? sorted[sorted.count / 2]
                : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
            print("runs=\(runs) median_ms=\(fixed(median, 1)) min_ms=\(fixed(sorted[0], 1)) max_ms=\(fixed(sorted[sorted.count - 1], 1))")
        }
    }
}
