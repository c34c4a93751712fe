#!/usr/bin/env bash
# make mn-kit: the payload that replaces the agent modules of ZStack's management node (see the README's
# "Swapping the MN's agent payload"), in dist/zstack-mn-kit/ (or $KIT_DIR):
#
#   mn-kit                      the operator's swap script: install, restore, status
#   kvm/                        replaces the MN's ansible module "kvm" (WEB-INF/classes/ansible/kvm and
#     kvm.py zstack_kit.py        <ansible>/files/kvm): the entry point AnsibleRunner runs and its body
#     stop-python-agent.yaml      stops ZStack's Python agent through its own init script, if installed
#     mn-files.yaml               the play that places the files the MN checks
#     kvmagent-iptables           the MN's connect flow runs it on the host (MNKit/agent-iptables)
#     kvmagent-<v>.tar.gz RELEASE our tarball (Packaging/package.sh) and its name
#     playbooks/                  kvm.yaml, tasks/, templates/ from Playbooks/ (the deployer's playbooks)
#   sftpbackupstorage/          the same for the SFTP backup-storage agent (sftp-iptables)
#
# The same inputs give the same files, so an unchanged kit is "no change" to the MN's module check.
# Environment: KIT_DIR; KIT_NO_PACKAGE=1 takes the tarballs of VERSION already in DIST_DIR (tests) instead
# of running package.sh, whose own variables (VERSION, DIST_DIR, PACKAGE_NO_BUILD, BIN_DIR, ...) apply.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
version=${VERSION:-$(tr -d '[:space:]' < "$root/VERSION")}
dist=${DIST_DIR:-$root/dist}
kit=${KIT_DIR:-$dist/zstack-mn-kit}

[[ ${KIT_NO_PACKAGE:-0} == 1 ]] || VERSION=$version DIST_DIR=$dist "$root/Packaging/package.sh"

rm -rf "$kit"
mkdir -p "$kit"
install -m 755 "$root/MNKit/mn-kit" "$kit/mn-kit"

# module agent playbook entry-point iptables-script
module() {
  local dir=$kit/$1 agent=$2 playbook=$3 entry=$4 iptables=$5
  local tarball=$agent-$version.tar.gz
  mkdir -p "$dir/playbooks"
  install -m 755 "$root/MNKit/$entry" "$dir/$entry"
  install -m 644 "$root/MNKit/zstack_kit.py" "$root/MNKit/stop-python-agent.yaml" "$root/MNKit/mn-files.yaml" "$dir/"
  install -m 755 "$root/MNKit/agent-iptables" "$dir/$iptables"
  install -m 644 "$dist/$tarball" "$dir/$tarball"
  echo "$tarball" > "$dir/RELEASE"
  install -m 644 "$root/Playbooks/$playbook" "$dir/playbooks/"
  cp -R "$root/Playbooks/tasks" "$root/Playbooks/templates" "$dir/playbooks/"
}
module kvm kvmagent kvm.yaml kvm.py kvmagent-iptables
module sftpbackupstorage sftpbackupstorage sftpbackupstorage.yaml sftpbackupstorage.py sftp-iptables
echo "mn-kit: $kit"
