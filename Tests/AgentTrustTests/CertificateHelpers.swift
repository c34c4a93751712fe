import AgentTrust
import Foundation
import SwiftASN1
import X509

/// The permission bits of a file or directory, as stat reports them.
func mode(of path: String) throws -> mode_t {
    var info = stat()
    guard stat(path, &info) == 0 else { throw POSIXError(.ENOENT) }
    return info.st_mode & 0o7777
}

/// The DER chain a TLS peer would present for an issued certificate (leaf only).
func derChain(_ issued: IssuedCertificate) throws -> [[UInt8]] {
    let certificate = try Certificate(pemEncoded: issued.certificatePEM)
    var serializer = DER.Serializer()
    try serializer.serialize(certificate)
    return [serializer.serializedBytes]
}

let hour: TimeInterval = 3600
let year: TimeInterval = 365 * 24 * hour
