"""schemathesis hooks for OpenAPIConformanceTests: the hosts it makes up never leave this machine.

POST /v1/hosts starts a run that connects to the host's address over SSH. An address the deployer accepts
(the document's pattern, which HostInput.problem also checks) is replaced, just before the request is
sent, by 127.0.0.1, and a valid port by one on which nothing listens, so that run's SSH connection is
refused at once and no host is added. Addresses and ports the deployer refuses are sent as made up: they
get a 400 before anything connects anywhere.
"""

import os
import re

import schemathesis

ADDRESS = re.compile(r"[A-Za-z0-9._:][A-Za-z0-9._:-]*")
UNREACHABLE_PORT = int(os.environ["DEPLOYER_UNREACHABLE_PORT"])


def _confine(host):
    if not isinstance(host, dict):
        return
    address = host.get("address")
    if isinstance(address, str) and len(address) <= 253 and ADDRESS.fullmatch(address):
        host["address"] = "127.0.0.1"
    for port in ("sshPort", "agentPort"):
        value = host.get(port)
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 65535:
            host[port] = UNREACHABLE_PORT


@schemathesis.hook
def before_call(context, case, kwargs):
    if case.operation.method.upper() != "POST" or case.operation.path != "/v1/hosts":
        return
    if not isinstance(case.body, dict):
        return
    params = case.body.get("params")
    for host in params if isinstance(params, list) else [params]:
        _confine(host)
