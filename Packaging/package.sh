#!/usr/bin/env bash
# Builds every agent that exists in release mode (Swift stdlib linked statically), strips it
# (Packaging/strip-release), and writes
# dist/<agent>-<version>.tar.gz plus dist/<agent>-<version>.tar.gz.md5. The tarball holds one directory,
# <agent>-<version>/, with bin/zstack-<agent>, init.d/zstack-<agent>, systemd/zstack-<agent>.service,
# logrotate/zstack-<agent> (with @LOG_DIR@ for the playbook to fill in),
# VERSION and MD5SUMS (md5sum format, paths relative to that directory).
#
# Environment:
#   VERSION            version to stamp (default: the top-level VERSION file)
#   DIST_DIR           output directory (default: dist/)
#   PACKAGE_NO_BUILD   1: package the binaries already in BIN_DIR without building (tests re-stamp
#                      one build as several versions this way)
#   BUILD_PATH         SwiftPM scratch path (default: .build)
#   BIN_DIR            where the release binaries are (default: $BUILD_PATH/release)
#   PACKAGE_AGENTS     only these agents (blank-separated names of Packaging/agents; default: all of them),
#                      for a benchmark that built one
#   SOURCE_DATE_EPOCH  mtime stored in the tarball (default: last commit time), so that the same
#                      inputs give a byte-identical tarball and the playbooks see no change
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
version=${VERSION:-$(tr -d '[:space:]' < "$root/VERSION")}
dist=${DIST_DIR:-$root/dist}
build_path=${BUILD_PATH:-$root/.build}
bin_dir=${BIN_DIR:-$build_path/release}
epoch=${SOURCE_DATE_EPOCH:-$(git -C "$root" log -1 --format=%ct 2>/dev/null || echo 0)}

die() { echo "package: $*" >&2; exit 1; }
[[ $version =~ ^[0-9A-Za-z][0-9A-Za-z._+~-]*$ ]] || die "bad version: '$version'"
mkdir -p "$dist"
dist=$(cd "$dist" && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

package_agent() {
  local agent=$1 port=$2 after=$3 description=$4
  local exe=zstack-$agent release=$agent-$version
  if [[ ${PACKAGE_NO_BUILD:-0} != 1 ]]; then
    (cd "$root" && Packaging/swift-release --scratch-path "$build_path" --product "$exe")
  fi
  [[ -x $bin_dir/$exe ]] || die "$bin_dir/$exe not built"
  local dir=$stage/$release
  mkdir -p "$dir/bin" "$dir/init.d" "$dir/systemd" "$dir/logrotate"
  "$root/Packaging/strip-release" "$bin_dir/$exe" "$dir/bin/$exe"
  # The installed init script must stand alone: inline the shared body where the wrapper sources it.
  sed -e "/# INLINE:/{r $root/initd/zstack-agent-init.sh" -e 'd}' "$root/initd/$exe" > "$dir/init.d/$exe"
  chmod 755 "$dir/init.d/$exe"
  [[ $after == - ]] && after=
  sed -e "s|@AGENT@|$agent|g" -e "s|@PORT@|$port|g" -e "s|@AFTER@|$after|g" \
      -e "s|@DESCRIPTION@|$description|g" "$root/initd/systemd/zstack-agent.service.in" \
    | grep -v '^#' > "$dir/systemd/$exe.service"
  # @LOG_DIR@ stays for the playbook's template step: the log directory is a deployment setting.
  grep -v '^#' "$root/initd/logrotate/zstack-agent.logrotate.in" | sed -e "s|@AGENT@|$agent|g" > "$dir/logrotate/$exe"
  echo "$version" > "$dir/VERSION"
  (cd "$dir" && find . -type f ! -name MD5SUMS -printf '%P\n' | sort | xargs md5sum > MD5SUMS)
  local tarball=$dist/$release.tar.gz
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" -C "$stage" -cf - "$release" \
    | gzip -n > "$tarball"
  (cd "$dist" && md5sum "$release.tar.gz" > "$release.tar.gz.md5")
  printf '%-20s %-8s binary %9d bytes (stripped)  tarball %9d bytes  %s\n' "$agent" "$version" \
    "$(stat -c %s "$dir/bin/$exe")" "$(stat -c %s "$tarball")" "$tarball"
}

packaged=0
while read -r agent port _playbook _echo after description; do
  [[ -z $agent || $agent == \#* ]] && continue
  [[ -n ${PACKAGE_AGENTS:-} && " $PACKAGE_AGENTS " != *" $agent "* ]] && continue
  if [[ ! -d $root/Sources/zstack-$agent ]]; then
    echo "package: skipping $agent (no Sources/zstack-$agent yet)"
    continue
  fi
  package_agent "$agent" "$port" "$after" "$description"
  packaged=$((packaged + 1))
done < "$root/Packaging/agents"
(( packaged > 0 )) || die "no agent to package (none of Packaging/agents has a Sources/zstack-<name>)"
