#!/usr/bin/env python
# ZStack's sftpbackupstorage.py, for our Swift SFTP backup-storage agent: the MN's AnsibleRunner runs it
# with the arguments of its own (see zstack_kit.py); it installs the agent with Playbooks/sftpbackupstorage.yaml.
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
import zstack_kit  # noqa: E402

sys.exit(zstack_kit.main({
    'name': 'sftpbackupstorage',
    'playbook': 'sftpbackupstorage.yaml',
    'package_variable': 'pkg_sftpbackupstorage',
    'package_dir': 'sftpbackupstorage/package',
    'iptables': 'sftpbackupstorage/package/sftp-iptables',
}))
