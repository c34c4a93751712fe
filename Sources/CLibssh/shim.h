#ifndef ZSTACK_CLIBSSH_SHIM_H
#define ZSTACK_CLIBSSH_SHIM_H

// libssh 0.10 (Debian 12's libssh-dev): the session and channel API and the callbacks used to learn a
// remote command's exit signal. Its SFTP API (sftp.h) is deliberately not imported: it blocks without a
// deadline (see Sources/SSH/SFTPChannel.swift).
#include <libssh/libssh.h>
#include <libssh/callbacks.h>

#endif
