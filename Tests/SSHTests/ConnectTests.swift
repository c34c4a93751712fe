import Foundation
import Glibc
import SSH
import Testing
import TestSupport

@Suite("connecting and timeouts")
struct ConnectTests {
    @Test func closedPortIsUnreachable() async {
        let error = await #expect(throws: SSHError.self) {
            try await SSHClient().connect(
                host: "127.0.0.51", port: 2351, credential: .password(user: "u", password: "p"),
                hostKey: .trustOnFirstUse)
        }
        #expect(error?.code == .unreachable)
        #expect(error?.errno == ECONNREFUSED)
    }

    @Test func unresolvableHostIsUnreachable() async {
        let error = await #expect(throws: SSHError.self) {
            try await SSHClient().connect(
                host: "no-such-host.invalid", credential: .password(user: "u", password: "p"),
                hostKey: .trustOnFirstUse)
        }
        #expect(error?.code == .unreachable)
    }

    /// A server that accepts TCP (the kernel completes the handshake from the backlog) but never speaks SSH,
    /// like a hung sshd: the connection must give up at its timeout instead of waiting forever.
    @Test func silentServerTimesOut() async throws {
        let listener = try SilentListener(address: "127.0.0.52", port: 2352)
        defer { listener.close() }
        let error = await #expect(throws: SSHError.self) {
            try await SSHClient().connect(
                host: "127.0.0.52", port: 2352, credential: .password(user: "u", password: "p"),
                hostKey: .trustOnFirstUse, timeout: .milliseconds(500))
        }
        #expect(error?.code == .timeout)
    }

    @Test func slowCommandTimesOutAndTheSessionStaysUsable() async throws {
        try await TestHost.with("slow-exec", octet: 53) { host in
            let session = try await SSHClient().connect(
                host: host.address, port: host.sshPort,
                credential: .password(user: host.user, password: host.password),
                hostKey: .pinned(fingerprint: host.fingerprint))
            let error = await #expect(throws: SSHError.self) {
                try await session.exec(["sleep", "30"], timeout: .milliseconds(500))
            }
            #expect(error?.code == .timeout)
            #expect(try await session.exec(["echo", "still here"]).stdoutText == "still here\n")

            let running = Task { try await session.exec(["sleep", "30"]) }
            try await Task.sleep(for: .milliseconds(200))
            running.cancel()
            let cancelled = await running.result
            guard case .failure(let cancelError as SSHError) = cancelled else {
                Issue.record("exec was not cancelled: \(cancelled)")
                return
            }
            #expect(cancelError.code == .cancelled)
            await session.close()
            let closed = await #expect(throws: SSHError.self) { try await session.exec(["true"]) }
            #expect(closed?.code == .closed)
        }
    }
}

/// A listening TCP socket that never accepts a connection.
private struct SilentListener {
    let fd: Int32

    init(address: String, port: UInt16) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var socketAddress = sockaddr_in()
        socketAddress.sin_family = sa_family_t(AF_INET)
        socketAddress.sin_port = port.bigEndian
        inet_pton(AF_INET, address, &socketAddress.sin_addr)
        let bound = withUnsafePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            Glibc.close(fd)
            throw TestFailure("cannot listen on \(address):\(port): errno \(errno)")
        }
    }

    func close() { Glibc.close(fd) }
}

extension ConnectTests {
    /// Absurd values are input errors or plain timeouts, never a crash.
    @Test func absurdArgumentsFailCleanly() async throws {
        for port in [0, -1, 70000] {
            let error = await #expect(throws: SSHError.self) {
                try await SSHClient().connect(
                    host: "127.0.0.1", port: port, credential: .password(user: "u", password: "p"),
                    hostKey: .trustOnFirstUse)
            }
            #expect(error?.code == .invalidArgument)
        }
        let nul = await #expect(throws: SSHError.self) {
            try await SSHClient().connect(
                host: "127.0.0.1\0evil", credential: .password(user: "u", password: "p"), hostKey: .trustOnFirstUse)
        }
        #expect(nul?.code == .invalidArgument)
        let listener = try SilentListener(address: "127.0.0.54", port: 2354)
        defer { listener.close() }
        for timeout: Duration in [.seconds(-5), .zero] {
            let error = await #expect(throws: SSHError.self) {
                try await SSHClient().connect(
                    host: "127.0.0.54", port: 2354, credential: .password(user: "u", password: "p"),
                    hostKey: .trustOnFirstUse, timeout: timeout)
            }
            #expect(error?.code == .timeout)
        }
        let huge = Task {
            try await SSHClient().connect(
                host: "127.0.0.54", port: 2354, credential: .password(user: "u", password: "p"),
                hostKey: .trustOnFirstUse, timeout: .seconds(Int64.max / 2))
        }
        try await Task.sleep(for: .milliseconds(300))
        huge.cancel()
        guard case .failure(let error as SSHError) = await huge.result else {
            Issue.record("a connect to a silent server finished")
            return
        }
        #expect(error.code == .cancelled)
    }
}
