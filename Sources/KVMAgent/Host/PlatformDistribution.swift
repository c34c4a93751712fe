#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The host's distribution, version and release exactly as ZStack's Python agent reports them in
/// `/host/fact` (`host_plugin.fact`): Python 2.7's `platform.dist()` — the first `/etc/<name>-release`
/// or `<name>_version` file, in sorted order, whose name is a distribution Python knows, parsed from its
/// first line — with the agent's adjustments (CentOS by its full name in lower case, an empty release
/// as "Core", Kylin's and Helix's releases). The MN refuses a host whose three values differ from the
/// other hosts of its cluster (`KVMHostFactory`), so a Swift host must say what a Python host on the same
/// OS says, even where `/etc/os-release` would say it better: Debian 12 is `debian`, `12.5`, `Core`.
struct PlatformDistribution: Equatable, Sendable {
    var distribution: String
    var version: String
    var release: String

    /// Python 2.7's `_supported_dists`, plus the names the distributions ZStack supports patch into their
    /// Python (the agent's own code tests for `openEuler`, `kylin` and `helix`).
    static let knownNames = ["SuSE", "debian", "fedora", "redhat", "centos", "mandrake", "mandriva", "rocks",
                             "slackware", "yellowdog", "gentoo", "UnitedLinux", "turbolinux",
                             "openEuler", "kylin", "helix"]

    /// - Parameters:
    ///   - etcEntries: the names in `/etc`.
    ///   - firstLine: the first line of a file in `/etc`, nil when it cannot be read.
    init(etcEntries: [String], firstLine: (String) -> String?) {
        var name = ""
        var parsed = (name: "", version: "", id: "")
        if let (file, known) = etcEntries.sorted().lazy.compactMap({ entry in
            Self.releaseFileName(entry).flatMap { Self.knownNames.contains($0) ? (entry, $0) : nil }
        }).first {
            name = known
            parsed = Self.parseReleaseLine(firstLine(file) ?? "")
        }
        // `dist()` keeps the file's name; `linux_distribution()` takes the line's, which the agent uses for
        // CentOS and openEuler.
        distribution = (name == "centos" || name == "openEuler") && !parsed.name.isEmpty ? parsed.name.lowercased() : name
        version = parsed.version
        release = parsed.id.isEmpty ? "Core" : parsed.id
        if distribution == "kylin" {
            release = release.replacing("ZStack", with: "Sword")
        } else if distribution == "helix" {
            release = "release"
        }
    }

    /// Python's `_release_filename` (`(\w+)[-_](release|version)`, matched at the start): the name part.
    static func releaseFileName(_ file: String) -> String? {
        (try? #/^(\w+)[-_](?:release|version)/#.asciiOnlyWordCharacters().prefixMatch(in: file)).flatMap { $0 }
            .map { String($0.output.1) }
    }

    /// Python's `_parse_release_file`: "Name release 1.2 (id)", else "Name 1.2 (id)", else the first two
    /// words as version and id.
    static func parseReleaseLine(_ line: String) -> (name: String, version: String, id: String) {
        let line = line.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        if let match = try? #/^(.+) release ([\d.]+)[^(]*(?:\((.+)\))?/#.asciiOnlyDigits().prefixMatch(in: line) {
            return (String(match.output.1), String(match.output.2), match.output.3.map(String.init) ?? "")
        }
        if let match = try? #/^([^0-9]+)(?: release )?([\d.]+)[^(]*(?:\((.+)\))?/#.asciiOnlyDigits().prefixMatch(in: line) {
            return (String(match.output.1), String(match.output.2), match.output.3.map(String.init) ?? "")
        }
        let words = line.split(whereSeparator: \.isWhitespace).map(String.init)
        return ("", words.first ?? "", words.count > 1 ? words[1] : "")
    }
}
