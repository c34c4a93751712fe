#ifndef ZSTACK_CLIBSSH2_SHIM_H
#define ZSTACK_CLIBSSH2_SHIM_H

#include <string.h>
#include <libssh2.h>
#include <libssh2_sftp.h>

// Swift cannot call function-like macros, so the few libssh2 entry points that exist only as macros (or that
// need macro-valued defaults) are re-exported here as static inline functions with a `zs_` prefix.

/// `libssh2_session_init()`: a session with libssh2's default allocators and no abstract pointer.
static inline LIBSSH2_SESSION *zs_libssh2_session_init(void) {
    return libssh2_session_init_ex(NULL, NULL, NULL, NULL);
}

/// `libssh2_channel_open_session()`: a "session" channel with libssh2's default window and packet sizes.
static inline LIBSSH2_CHANNEL *zs_libssh2_channel_open_session(LIBSSH2_SESSION *session) {
    return libssh2_channel_open_ex(session, "session", sizeof("session") - 1,
                                   LIBSSH2_CHANNEL_WINDOW_DEFAULT, LIBSSH2_CHANNEL_PACKET_DEFAULT, NULL, 0);
}

/// `libssh2_sftp_open()`: open a remote file (not a directory).
static inline LIBSSH2_SFTP_HANDLE *zs_libssh2_sftp_open(LIBSSH2_SFTP *sftp, const char *path,
                                                        unsigned long flags, long mode) {
    return libssh2_sftp_open_ex(sftp, path, (unsigned int)strlen(path), flags, mode, LIBSSH2_SFTP_OPENFILE);
}

#endif
