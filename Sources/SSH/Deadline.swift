/// A point in time after which a blocking step gives up, or none.
struct Deadline: Sendable {
    let instant: ContinuousClock.Instant?

    static let never = Deadline(instant: nil)

    /// `timeout` from now; `nil` means no deadline.
    static func after(_ timeout: Duration?) -> Deadline {
        Deadline(instant: timeout.map { ContinuousClock.now.advanced(by: $0) })
    }

    /// The earlier of two deadlines.
    func earlier(_ other: Deadline) -> Deadline {
        switch (instant, other.instant) {
        case (nil, _): other
        case (_, nil): self
        case (let a?, let b?): Deadline(instant: min(a, b))
        }
    }

    /// Milliseconds left, clamped to `0...cap`; `cap` when there is no deadline.
    func remainingMilliseconds(cap: Int32) -> Int32 {
        guard let instant else { return cap }
        let left = ContinuousClock.now.duration(to: instant)
        if left <= .zero { return 0 }
        let (seconds, attoseconds) = left.components
        // Compare before multiplying: a caller may pass an absurdly long timeout.
        if seconds >= Int64(cap) / 1000 + 1 { return cap }
        let millis = seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1
        return Int32(min(Int64(cap), millis))
    }

    var hasPassed: Bool { instant.map { ContinuousClock.now >= $0 } ?? false }
}
