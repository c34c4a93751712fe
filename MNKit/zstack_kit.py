# -*- coding: utf-8 -*-
"""The body of the kit's kvm.py and sftpbackupstorage.py: what ZStack's management node runs to install an
agent, turned into one run of our playbooks.

The MN's AnsibleRunner (AnsibleFacadeImpl.doHandle) runs, from its ansible directory, with its virtualenv
active (Python 2.7, ansible-core 2.11) and PYTHONPATH=<ansible>/files/zstacklib:

    python <ansible>/kvm.py -i <ansible>/hosts --private-key <key> -e '<JSON of the variables>'

The inventory lists every host the MN knows; the variables name the one to deploy (host) and how to log
in (remote_user, remote_port, remote_pass), the package the MN compares (pkg_kvmagent, pkg_zstacklib),
zstack_root, init (a newly added host) and ZStack's own settings, which our playbooks have no use for. We
run ansible-playbook once, limited to that host: stop-python-agent.yaml (ZStack's agent, if its init script
is installed), our playbook with our tarball, then mn-files.yaml, which puts on the host the files the MN
checks before it decides to run us again. Python 2.7 and 3: this
runs in the MN's virtualenv.
"""
from __future__ import print_function

import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

KIT_DIR = os.path.dirname(os.path.realpath(__file__))

_HOST = re.compile(r'^[A-Za-z0-9][A-Za-z0-9.:_-]{0,252}$')
_PACKAGE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._+~-]*\.tar\.gz$')
_USER = re.compile(r'^[A-Za-z_][A-Za-z0-9_.-]{0,31}$')
_PORT = re.compile(r'^[0-9]{1,5}$')
_ROOT = re.compile(r'^/[A-Za-z0-9._/-]*$')


class KitError(Exception):
    pass


def parse_variables(texts):
    """The -e values merged: a JSON object (what the MN passes), or key=value words (ansible's other form)."""
    variables = {}
    for text in texts or []:
        text = text.strip()
        if text.startswith('{'):
            try:
                value = json.loads(text)
            except ValueError as e:
                raise KitError('-e is not valid JSON: %s' % e)
            if not isinstance(value, dict):
                raise KitError('-e must be a JSON object')
            variables.update(value)
        else:
            for word in shlex.split(text):
                if '=' not in word:
                    raise KitError('-e word %r is not key=value' % word)
                key, value = word.split('=', 1)
                variables[key] = value
    return variables


def text(variables, key, pattern, default=None):
    """variables[key] as a string that matches pattern; absent or null: default (None: required)."""
    value = variables.get(key)
    if value is None or value == '':
        if default is None:
            raise KitError('missing variable %s' % key)
        return default
    value = str(value)
    if not pattern.match(value):
        raise KitError('bad %s: %r' % (key, value))
    return value


def find_zstacklib(name):
    """The MN's zstacklib tarball: next to our module (<ansible>/files/zstacklib), or on PYTHONPATH."""
    places = [os.path.join(os.path.dirname(KIT_DIR), 'zstacklib')]
    places += [p for p in os.environ.get('PYTHONPATH', '').split(os.pathsep) if p]
    for place in places:
        candidate = os.path.join(place, name)
        if os.path.isfile(candidate):
            return candidate
    raise KitError('the MN\'s %s is in none of %s' % (name, ', '.join(places)))


def read_kit_file(name):
    with open(os.path.join(KIT_DIR, name)) as f:
        return f.read().strip()


def playbook_variables(agent, variables):
    """What our playbooks get: our tarball, the MN's settings we honour, the MN-checked files, the login."""
    host = text(variables, 'host', _HOST)
    mn_package = text(variables, agent['package_variable'], _PACKAGE)
    zstacklib = text(variables, 'pkg_zstacklib', _PACKAGE)
    user = text(variables, 'remote_user', _USER, 'root')
    release = read_kit_file('RELEASE')
    if not os.path.isfile(os.path.join(KIT_DIR, mn_package)):
        raise KitError('%s is not in %s: the MN compares its own copy of it with the host\'s, and '
                       '`mn-kit install` names our %s after it' % (mn_package, KIT_DIR, release))
    result = {
        'host': host,
        'mn_ip': str(variables.get('mn_ip') or ''),
        'zstack_root': text(variables, 'zstack_root', _ROOT, '/var/lib/zstack'),
        'init': 'true' if str(variables.get('init', '')).lower() == 'true' else 'false',
        agent['package_variable']: release,
        'pkg_dir': KIT_DIR,
        'kit_agent': agent['name'],
        'ansible_user': user,
        # Paths under zstack_root, where ZStack's Python playbooks put them and the MN looks for them.
        'mn_files': [
            {'src': os.path.join(KIT_DIR, mn_package), 'dest': '%s/%s' % (agent['package_dir'], mn_package), 'mode': '0644'},
            {'src': find_zstacklib(zstacklib), 'dest': '%s/%s' % (agent['package_dir'], zstacklib), 'mode': '0644'},
            {'src': os.path.join(KIT_DIR, os.path.basename(agent['iptables'])), 'dest': agent['iptables'], 'mode': '0755'},
        ],
    }
    if variables.get('remote_port'):
        result['ansible_port'] = text(variables, 'remote_port', _PORT)
    if user != 'root':
        # The MN logs in as a sudoer with the password it was given (ZStack's own playbooks do the same).
        result['ansible_become'] = True
        if variables.get('remote_pass'):
            result['ansible_become_password'] = str(variables['remote_pass'])
    return result


def main(agent, argv=None):
    """agent: name (kvmagent), playbook (kvm.yaml), package_variable (pkg_kvmagent), package_dir and
    iptables (the MN's paths for its package and iptables script, relative to zstack_root)."""
    parser = argparse.ArgumentParser(description='Deploy the ZStack %s (Swift) to a host' % agent['name'])
    parser.add_argument('-i', dest='inventory', required=True, help='inventory (the MN\'s ansible/hosts)')
    parser.add_argument('--private-key', dest='private_key', help='the MN\'s ssh key')
    parser.add_argument('-e', dest='extra', action='append', help='variables: JSON object or key=value')
    args = parser.parse_args(argv)
    scratch = None
    try:
        variables = playbook_variables(agent, parse_variables(args.extra))
        # The variables (a password among them) go in a file only we can read, never on a command line.
        scratch = tempfile.mkdtemp(prefix='zstack-mn-kit-')
        variables_file = os.path.join(scratch, 'variables.json')
        descriptor = os.open(variables_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, 'w') as f:
            json.dump(variables, f)
        command = ['ansible-playbook', '-i', args.inventory, '--limit', variables['host'], '-e', '@' + variables_file]
        if args.private_key:
            command += ['--private-key', args.private_key]
        settings = os.path.join(KIT_DIR, 'settings.yaml')
        if os.path.isfile(settings):
            command += ['-e', '@' + settings]
        command += [os.path.join(KIT_DIR, 'stop-python-agent.yaml'), os.path.join(KIT_DIR, 'playbooks', agent['playbook']),
                    os.path.join(KIT_DIR, 'mn-files.yaml')]
        sys.stdout.flush()
        return subprocess.call(command)
    except KitError as e:
        print('%s: %s' % (os.path.basename(sys.argv[0]), e), file=sys.stderr)
        return 2
    finally:
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
