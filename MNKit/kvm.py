#!/usr/bin/env python
# ZStack's kvm.py, for our Swift KVM agent: the MN's AnsibleRunner runs it with the arguments of its own
# (see zstack_kit.py); it installs the agent with Playbooks/kvm.yaml.
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import zstack_kit  # noqa: E402

sys.exit(zstack_kit.main({
    'name': 'kvmagent',
    'playbook': 'kvm.yaml',
    'package_variable': 'pkg_kvmagent',
    'package_dir': 'kvm/package',
    'iptables': 'kvm/kvmagent-iptables',
}))
