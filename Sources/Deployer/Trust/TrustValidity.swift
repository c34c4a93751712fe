import Foundation

/// How long the deployer's certificates are valid, in one place.
enum TrustValidity {
    static let day: TimeInterval = 24 * 3600
    static let authority: TimeInterval = 10 * 365 * day
    static let server: TimeInterval = 365 * day
    /// A host's certificate is renewed at its next deployment once less than this remains, so that a fleet
    /// upgraded now and then never runs into an expiry.
    static let renewBefore: TimeInterval = 30 * day
    /// Certificates start an hour in the past: a host whose clock is a little behind the deployer's must not
    /// refuse a certificate as "not valid before".
    static let clockSkew: TimeInterval = 3600
}
