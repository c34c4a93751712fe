import Synchronization

/// Bounds the work an agent takes on: commands running at once, per kind, and the bytes of their request
/// bodies. A command beyond a bound is refused at once with the reason (the MN retries or reports it)
/// rather than queued without bound until the agent is pushed out of memory.
final class CommandAdmission: Sendable {
    /// What one admitted command holds; handed back with `release` exactly once, when it has answered.
    struct Ticket: Sendable {
        fileprivate let mode: CommandRegistry.Mode
        fileprivate let bytes: Int
    }

    /// Commands and body bytes admitted and not yet released, and how many commands were admitted since start.
    struct Load: Sendable {
        var sync = 0
        var async = 0
        var bytes = 0
        var admitted = 0
    }

    private let load = Mutex(Load())
    private let maxSync: Int
    private let maxAsync: Int
    private let maxBytes: Int

    var current: Load { load.withLock { $0 } }

    init(maxSync: Int, maxAsync: Int, maxBytes: Int) {
        self.maxSync = maxSync
        self.maxAsync = maxAsync
        self.maxBytes = maxBytes
    }

    /// A ticket for a command of `mode` with a body of `bytes`, or the reason it is refused.
    func admit(_ mode: CommandRegistry.Mode, bytes: Int) -> Result<Ticket, Refusal> {
        let refusal: Refusal? = load.withLock { load in
            switch mode {
            case .sync where load.sync >= maxSync: return .sync(maxSync)
            case .async where load.async >= maxAsync: return .async(maxAsync)
            default: break
            }
            // One command larger than the whole budget is still admitted alone, so the body cap decides.
            guard load.bytes == 0 || load.bytes + bytes <= maxBytes else { return .bytes(maxBytes) }
            switch mode {
            case .sync: load.sync += 1
            case .async: load.async += 1
            }
            load.bytes += bytes
            load.admitted &+= 1
            return nil
        }
        if let refusal { return .failure(refusal) }
        return .success(Ticket(mode: mode, bytes: bytes))
    }

    func release(_ ticket: Ticket) {
        load.withLock { load in
            switch ticket.mode {
            case .sync: load.sync -= 1
            case .async: load.async -= 1
            }
            load.bytes -= ticket.bytes
        }
    }

    enum Refusal: Error, CustomStringConvertible {
        case sync(Int), async(Int), bytes(Int)

        var description: String {
            switch self {
            case .sync(let limit): "the agent is busy: \(limit) sync commands are already running; try again"
            case .async(let limit): "the agent is busy: \(limit) async commands are already running; try again"
            case .bytes(let limit): "the agent is busy: running commands already hold \(limit >> 20) MiB of request bodies; try again"
            }
        }
    }
}
