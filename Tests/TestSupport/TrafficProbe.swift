import Foundation

/// One TCP connection across namespaces: a listener that reports the peer address it saw, and a client
/// that retries until the listener answers or its time is up. The Python programs are fixed text;
/// addresses and ports travel as argv. IPv6 works too (listen on `::`).
public enum TrafficProbe {
    private static let listener = """
        import socket, sys
        s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(4); s.settimeout(float(sys.argv[3]))
        try:
            c, a = s.accept(); print(a[0]); c.sendall(b"ok"); c.close()
        except socket.timeout:
            print("timeout")
        """
    private static let client = """
        import socket, sys, time
        end = time.time() + float(sys.argv[3])
        while True:
            try:
                c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=0.5)
                print(c.recv(16).decode()); break
            except OSError as e:
                if time.time() > end: print("failed: %s" % e); sys.exit(1)
                time.sleep(0.1)
        """

    /// Returns the source address the listener saw, or nil when no connection arrived.
    public static func connect(from client: NetworkNamespace, to address: String, port: Int,
                        listener server: NetworkNamespace, listenOn bind: String = "0.0.0.0",
                        listenPort: Int? = nil, timeout: Double = 3) async throws -> String? {
        let accepting = Task {
            try await server.run(["python3", "-c", listener, bind, String(listenPort ?? port), String(timeout + 1)])
        }
        let dialed = try await client.run(["python3", "-c", self.client, address, String(port), String(timeout)])
        guard dialed.status == 0 else {
            // Nothing will connect: stop the listener (cancelling kills it) rather than wait for its timeout.
            accepting.cancel()
            _ = try? await accepting.value
            return nil
        }
        let seen = try await accepting.value.output.trimmingCharacters(in: .whitespacesAndNewlines)
        return seen != "timeout" ? seen : nil
    }
}
