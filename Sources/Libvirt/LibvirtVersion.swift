/// A libvirt-encoded version (`major * 1_000_000 + minor * 1_000 + release`), e.g. 9.0.0 or qemu 7.2.0.
public struct LibvirtVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var major: Int
    public var minor: Int
    public var release: Int

    public init(major: Int, minor: Int, release: Int) {
        self.major = major
        self.minor = minor
        self.release = release
    }

    /// Decodes libvirt's packed form.
    public init(encoded: UInt) {
        let value = Int(encoded)
        self.init(major: value / 1_000_000, minor: value / 1_000 % 1_000, release: value % 1_000)
    }

    /// "major.minor.release", the form ZStack stores and compares.
    public var description: String { "\(major).\(minor).\(release)" }

    public static func < (lhs: LibvirtVersion, rhs: LibvirtVersion) -> Bool {
        (lhs.major, lhs.minor, lhs.release) < (rhs.major, rhs.minor, rhs.release)
    }
}
