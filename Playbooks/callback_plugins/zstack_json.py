# A stdout callback that prints one JSON object per line, for the deployer (Sources/Deployer/Ansible):
# ansible-core ships no json callback (ansible.posix's is a separate collection), and the human-readable
# output is not meant to be parsed. A line per task result, flushed as it happens, so that a reader can
# follow hosts while the play runs; the last line holds the recap.
#
#   {"event": "start", "at": ...}   the playbook started (ansible's own start-up is done)
#   {"event": "task", "task": ..., "at": ...}   a task starts on the hosts still in the play
#   {"event": "ok"|"changed"|"failed"|"unreachable"|"skipped", "host": ..., "task": ..., "at": ...,
#    "ignored": bool (failed only), "msg": ..., "stderr": ... (failed and unreachable only)}
#   {"event": "stats", "at": ..., "hosts": {host: {"ok", "changed", "unreachable", "failures", "skipped", "rescued", "ignored"}}}
#
# "at" is the wall clock (Unix seconds, ms precision), so that where a run spends its time can be read
# from the log (which task, which host, how long ansible took to start).
#
# Enabled by ANSIBLE_CALLBACK_PLUGINS=<playbooks>/callback_plugins ANSIBLE_STDOUT_CALLBACK=zstack_json.
from __future__ import annotations

import json
import sys
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
    name: zstack_json
    type: stdout
    short_description: one JSON object per task result and a final recap, for zstack-deploy
    description: Prints results as JSON lines on stdout; warnings and errors stay on stderr.
"""

# Enough to say why a task failed; a module's whole stdout could be megabytes.
LIMIT = 2000


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "stdout"
    CALLBACK_NAME = "zstack_json"

    def _emit(self, record):
        record["at"] = round(time.time(), 3)
        sys.stdout.write(json.dumps(record, sort_keys=True, default=str) + "\n")
        sys.stdout.flush()

    def _result(self, event, result, **extra):
        record = {"event": event, "host": result._host.get_name(), "task": result._task.get_name()}
        record.update(extra)
        self._emit(record)

    def _why(self, result):
        """The msg and stderr of a failed result; for a loop, those of its first failed item."""
        body = result._result
        for item in body.get("results") or []:
            if isinstance(item, dict) and item.get("failed"):
                body = item
                break
        text = lambda key: str(body.get(key) or "")[-LIMIT:]
        return {"msg": text("msg"), "stderr": text("stderr")}

    def v2_playbook_on_start(self, playbook):
        self._emit({"event": "start"})

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._emit({"event": "task", "task": task.get_name()})

    def v2_playbook_on_handler_task_start(self, task):
        self._emit({"event": "task", "task": task.get_name()})

    def v2_runner_on_ok(self, result):
        self._result("changed" if result._result.get("changed") else "ok", result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._result("failed", result, ignored=bool(ignore_errors), **self._why(result))

    def v2_runner_on_unreachable(self, result):
        self._result("unreachable", result, **self._why(result))

    def v2_runner_on_skipped(self, result):
        self._result("skipped", result)

    def v2_playbook_on_stats(self, stats):
        hosts = sorted(set(stats.processed.keys()) | set(stats.dark.keys()) | set(stats.failures.keys()))
        self._emit({"event": "stats", "hosts": {host: stats.summarize(host) for host in hosts}})
