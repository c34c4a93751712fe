import CLibssh

/// One libssh channel, with the callback that catches the exit signal of a remote command (libssh 0.10 has
/// no getter for it). Freed on deinit: libssh then sends the channel's close without waiting for the reply.
///
/// Not Sendable: used only inside one job on the `BlockingExecutor`, like the `SessionHandle` it belongs to.
final class Channel {
    let pointer: OpaquePointer
    private let callbacks: UnsafeMutablePointer<ssh_channel_callbacks_struct>
    private let state = State()

    /// What the callbacks record; a class so that its address can travel through libssh's `userdata`.
    private final class State {
        var exitSignal: String?
    }

    /// - Throws: `.channel` when libssh cannot allocate one (the session is gone or out of memory).
    init(session: SessionHandle, what: String) throws(SSHError) {
        guard let pointer = ssh_channel_new(session.session) else { throw session.error(what, code: .channel) }
        self.pointer = pointer
        callbacks = .allocate(capacity: 1)
        callbacks.initialize(to: ssh_channel_callbacks_struct())
        callbacks.pointee.size = MemoryLayout<ssh_channel_callbacks_struct>.size
        callbacks.pointee.userdata = Unmanaged.passUnretained(state).toOpaque()
        callbacks.pointee.channel_exit_signal_function = { _, _, signal, _, _, _, userdata in
            guard let userdata, let signal else { return }
            Unmanaged<State>.fromOpaque(userdata).takeUnretainedValue().exitSignal = String(cString: signal)
        }
        ssh_set_channel_callbacks(pointer, callbacks)
    }

    /// The signal that ended the remote command (`"TERM"`, `"KILL"`...), once the server has said so.
    var exitSignal: String? { state.exitSignal }

    /// True once the server has sent EOF or closed the channel.
    var remoteFinished: Bool { ssh_channel_is_eof(pointer) != 0 || ssh_channel_is_closed(pointer) != 0 }

    /// The callbacks go first: libssh may keep a freed channel until the server's close arrives, and must not
    /// call into `state` after it is gone.
    deinit {
        ssh_remove_channel_callbacks(pointer, callbacks)
        ssh_channel_free(pointer)
        callbacks.deinitialize(count: 1)
        callbacks.deallocate()
    }
}
