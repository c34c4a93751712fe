/// The one check of each network name that reaches `ip`, iptables, libvirt XML or a daemon's file: callers
/// wrap the reason in their own error with the field it came from.
public enum NetworkNames {
    /// `IFNAMSIZ` is 16 including the terminating NUL.
    public static let interfaceNameMaximumLength = 15

    /// Why `name` cannot be used as an interface name; nil when it can. Stricter than the kernel
    /// (`dev_valid_name` refuses only '/', ':', whitespace, "." and ".."): names go verbatim into `ip`
    /// argv, iptables rules, libvirt XML and dnsmasq files, so only letters, digits, '.', '_' and '-' are
    /// taken (every name ZStack makes: br_eth0_100, eth0.100, vnic12.0), and never a leading '-', which
    /// would read as an option.
    public static func interfaceNameProblem(_ name: String) -> String? {
        if name.isEmpty { return "is empty" }
        if name.utf8.count > interfaceNameMaximumLength {
            return "is longer than \(interfaceNameMaximumLength) characters, the Linux limit for interface names"
        }
        if name == "." || name == ".." { return "is not a valid interface name" }
        let refused = name.unicodeScalars.first { scalar in
            !(scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "._-".unicodeScalars.contains(scalar)))
        }
        if let refused {
            return "contains \(refused.debugDescription): interface names here are letters, digits, '.', '_' and '-'"
        }
        if name.hasPrefix("-") { return "must not start with '-'" }
        return nil
    }

    public static func isInterfaceName(_ name: String) -> Bool { interfaceNameProblem(name) == nil }

    /// `name` lower-cased if it is a MAC address written as six ':'-separated hex pairs (as ZStack sends them
    /// and `ip link` prints them); nil otherwise.
    public static func canonicalMAC(_ text: String) -> String? {
        let lower = text.lowercased()
        let groups = lower.split(separator: ":", omittingEmptySubsequences: false)
        guard groups.count == 6, groups.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isHexDigit) }) else { return nil }
        return lower
    }
}
