import HostSystem
import ServiceLifecycle

/// Hands the memory a burst of commands freed back to the kernel once the agent is quiet again, so that
/// an agent back at rest is about as small as one that never served (`FreedMemory` says why glibc keeps it).
/// Looks every `interval` at what `CommandAdmission` has admitted; nothing else runs on a quiet agent, and
/// a busy one is left alone.
struct IdleMemoryReturn: Service {
    let admission: CommandAdmission
    let metrics: AgentMetrics
    let interval: Duration

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var quiet = QuietAfterWork()
            while (try? await Task.sleep(for: interval)) != nil {
                if quiet.observe(admission.current) {
                    FreedMemory.returnToKernel()
                    metrics.memoryReturned()
                }
            }
        }
    }
}

/// When to hand memory back: once commands have been admitted since the last time, none has been admitted
/// for a whole interval, and none is running. So a burst costs one `malloc_trim`, one or two intervals
/// after it ends, and an agent at rest costs none.
struct QuietAfterWork {
    private var previous: Int?
    private var lastReturned = 0

    /// Whether to hand memory back now, given the load `interval` after the previous observation.
    mutating func observe(_ load: CommandAdmission.Load) -> Bool {
        defer { previous = load.admitted }
        guard load.sync == 0, load.async == 0, load.admitted == previous, load.admitted != lastReturned else {
            return false
        }
        lastReturned = load.admitted
        return true
    }
}
