# Shared body of the zstack-<agent> init scripts. Each per-agent script holds its LSB header, sets AGENT
# (short name, e.g. kvmagent) and includes this file; Packaging inlines it so the installed script
# stands alone. POSIX sh (dash on Debian, bash on RedHat); Linux only (/proc).
#
# Settings come from the defaults file (shell KEY=value lines, also read by the systemd unit):
#   AGENT_BIN            agent binary     (default /var/lib/zstack/$AGENT/current/bin/zstack-$AGENT)
#   AGENT_LISTEN         --listen ADDR    (unset: the agent's default)
#   AGENT_PORT           --port N         (unset: the agent's default)
#   AGENT_LOG_LEVEL      --log-level L    (unset: the agent's default)
#   AGENT_EXTRA_ARGS     more arguments, split on blanks (TLS files go here)
#   LIBVIRT_DEFAULT_URI  exported for libvirt, which reads it itself
#   ZSTACK_RUN_DIR       pidfile dir      (default /var/run/zstack)
#   ZSTACK_LOG_DIR       log dir          (default /var/log/zstack)
#   AGENT_STOP_TIMEOUT   seconds between TERM and KILL (default 10)
# The defaults file is /etc/default/zstack-$AGENT unless ZSTACK_AGENT_DEFAULTS names another one (test
# hosts and private install roots); values already in the environment are used when the file does not
# set them.

defaults_file=${ZSTACK_AGENT_DEFAULTS:-/etc/default/zstack-$AGENT}
if [ -r "$defaults_file" ]; then
    # shellcheck disable=SC1090
    . "$defaults_file"
fi
: "${AGENT_BIN:=/var/lib/zstack/$AGENT/current/bin/zstack-$AGENT}"
: "${ZSTACK_RUN_DIR:=/var/run/zstack}"
: "${ZSTACK_LOG_DIR:=/var/log/zstack}"
: "${AGENT_STOP_TIMEOUT:=10}"
[ -n "${LIBVIRT_DEFAULT_URI:-}" ] && export LIBVIRT_DEFAULT_URI

# swift-<agent>.pid, never ZStack's Python names (kvmagent.pid, sftpbackupstorageagent.pid, virtualrouter.pid):
# the Python init script that the MN's own kvm.py installs must not take our agent for its own, nor we its.
# Releases before this one wrote $AGENT.pid: such a pidfile still counts when it names our binary (see
# running_pid), so the first stop or restart after an upgrade ends the old agent, once.
pidfile=$ZSTACK_RUN_DIR/swift-$AGENT.pid
legacy_pidfile=$ZSTACK_RUN_DIR/$AGENT.pid
logfile=$ZSTACK_LOG_DIR/zstack-$AGENT.log
lockfile=$ZSTACK_RUN_DIR/swift-$AGENT.lock
name="zstack-$AGENT"

# Whether pid is a live process. A zombie is not: an agent killed behind our back stays one until its
# parent (whoever adopted it) reaps it, and stop must not wait for that.
alive() {
    kill -0 "$1" 2>/dev/null || return 1
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    state=${stat##*) }
    [ "${state%% *}" != Z ]
}

# The pid in pidfile $1, printed only when that process is alive and is this agent: a stale pidfile
# whose pid was reused by another program (or the Python agent's, for the legacy name) must not count
# as running, nor be killed by stop.
agent_pid_in() {
    [ -r "$1" ] || return 1
    pid=$(cat "$1" 2>/dev/null)
    case "$pid" in ''|*[!0-9]*) return 1 ;; esac
    alive "$pid" || return 1
    arg0=$(tr '\0' '\n' < "/proc/$pid/cmdline" 2>/dev/null | head -n 1)
    [ "${arg0##*/}" = "$name" ] || return 1
    echo "$pid"
}

# Our agent's pid: from our pidfile, else from a pidfile an earlier release of ours left under the legacy name.
running_pid() {
    agent_pid_in "$pidfile" || agent_pid_in "$legacy_pidfile"
}

# Serialises start/stop/restart of this agent, so two concurrent starts cannot both launch it.
take_lock() {
    mkdir -p "$ZSTACK_RUN_DIR" || exit 1
    if command -v flock >/dev/null 2>&1; then
        exec 9>"$lockfile"
        flock 9
    fi
}

# Run by bash (dash cannot close descriptors above 9) with $0 = pidfile and "$@" = the agent's argv.
launcher='for fd in /proc/$$/fd/*; do fd=${fd##*/}; if [ "$fd" -gt 2 ]; then { exec {fd}>&-; } 2>/dev/null; fi; done
echo $$ > "$0"
exec "$@"'

do_start() {
    if pid=$(running_pid); then
        echo "$name is already running, pid $pid"
        return 0
    fi
    if [ ! -x "$AGENT_BIN" ]; then
        echo "$name: binary $AGENT_BIN is missing or not executable" >&2
        return 5
    fi
    mkdir -p "$ZSTACK_LOG_DIR" || return 1
    log_size=$( (wc -c < "$logfile") 2>/dev/null || echo 0)
    set -- "$AGENT_BIN"
    [ -n "${AGENT_LISTEN:-}" ] && set -- "$@" --listen "$AGENT_LISTEN"
    [ -n "${AGENT_PORT:-}" ] && set -- "$@" --port "$AGENT_PORT"
    [ -n "${AGENT_LOG_LEVEL:-}" ] && set -- "$@" --log-level "$AGENT_LOG_LEVEL"
    # shellcheck disable=SC2086
    set -- "$@" ${AGENT_EXTRA_ARGS:-}
    rm -f "$pidfile"
    # setsid detaches the agent from our session and terminal, forking first when it has to, so the
    # pid is written by the final process itself (bash execs the agent, keeping its pid), not taken
    # from $!. Every inherited descriptor above stderr is closed first: whoever ran this script (ssh,
    # a deployer, a test runner) may be waiting for one of them to close, and fd 9 is our lock.
    (cd / && exec setsid bash -c "$launcher" "$pidfile" "$@" >>"$logfile" 2>&1 </dev/null 9>&-) &
    waited=0
    while [ ! -s "$pidfile" ] && [ "$waited" -lt 50 ]; do
        sleep 0.1
        waited=$((waited + 1))
    done
    # An agent that fails at once (bad flag, port taken) should fail start, not leave a stale pidfile. On a
    # loaded host "at once" can take longer than a fixed pause: watch it for up to 3 s, done early as soon as
    # it logs that it listens.
    waited=0
    while pid=$(running_pid) && [ "$waited" -lt 30 ]; do
        tail -c +"$((log_size + 1))" "$logfile" 2>/dev/null | grep -q 'listening' && break
        sleep 0.1
        waited=$((waited + 1))
    done
    if pid=$(running_pid); then
        echo "$name started, pid $pid"
        return 0
    fi
    rm -f "$pidfile"
    echo "$name failed to start; last lines of $logfile:" >&2
    tail -n 5 "$logfile" >&2
    return 1
}

do_stop() {
    if ! pid=$(running_pid); then
        rm -f "$pidfile"
        echo "$name is not running"
        return 0
    fi
    # The legacy pidfile goes with the agent it names, and only then: otherwise it may be the Python agent's.
    legacy=
    [ "$(agent_pid_in "$legacy_pidfile")" = "$pid" ] && legacy=$legacy_pidfile
    kill -TERM "$pid" 2>/dev/null
    waited=0
    while alive "$pid"; do
        if [ "$waited" -ge $((AGENT_STOP_TIMEOUT * 10)) ]; then
            echo "$name did not stop within ${AGENT_STOP_TIMEOUT}s of TERM, sending KILL"
            kill -KILL "$pid" 2>/dev/null
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    rm -f "$pidfile" ${legacy:+"$legacy"}
    echo "$name stopped"
}

# LSB status codes: 0 running, 1 dead with a pidfile left, 3 not running.
do_status() {
    if pid=$(running_pid); then
        echo "$name is running, pid $pid"
        return 0
    fi
    if [ -e "$pidfile" ]; then
        echo "$name is dead, but $pidfile exists"
        return 1
    fi
    echo "$name is stopped"
    return 3
}

case "${1:-}" in
    start) take_lock; do_start ;;
    stop) take_lock; do_stop ;;
    restart|force-reload) take_lock; do_stop && do_start ;;
    status) do_status ;;
    *) echo "usage: $0 {start|stop|restart|force-reload|status}" >&2; exit 2 ;;
esac
exit $?
