# A stdout callback that prints one JSON object per line, for the deployer (Sources/Deployer/Ansible):
# ansible-core ships no json callback (ansible.posix's is a separate collection), and the human-readable
# output is not meant to be parsed. A line per task result, flushed as it happens, so that a reader can
# follow hosts while the play runs; the last line holds the recap.
#
#   {"event": "ok"|"changed"|"failed"|"unreachable"|"skipped", "host": ..., "task": ...,
#    "ignored": bool (failed only), "msg": ..., "stderr": ... (failed and unreachable only)}
#   {"event": "stats", "hosts": {host: {"ok", "changed", "unreachable", "failures", "skipped", "rescued", "ignored"}}}
#
# Enabled by ANSIBLE_CALLBACK_PLUGINS=<playbooks>/callback_plugins ANSIBLE_STDOUT_CALLBACK=zstack_json.
from __future__ import annotations

import json
import sys

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
