/// A group of related commands (one per area: `HostRoutes`, `VMRoutes`, ...) registering its ZStack paths
/// in one visible list.
public protocol CommandRoutes: Sendable {
    func register(in registry: inout CommandRegistry)
}
