#!/bin/sh
# Installs the vmrole guest agent from this directory on a systemd distribution with a POSIX shell.
#   ./install.sh               on the running system: files, unit enabled and started
#   ./install.sh --root DIR    into an image tree being built (enabled, not started)
# Needs: sh, awk, sed, setsid, timeout, mount, and bash or nc (the HTTP probe); ip for private networks.
set -eu
root=/
if [ "${1:-}" = --root ]; then root=${2:?--root needs a directory}; fi
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/files"
find . -type f | while IFS= read -r f; do
  mode=$(stat -c %a "$f")
  mkdir -p "$root/$(dirname "$f")"
  cp "$f" "$root/$f"
  chmod "$mode" "$root/$f"
done
unit=vmrole-guest-agent.service
mkdir -p "$root/etc/systemd/system/sysinit.target.wants"
ln -sf "/lib/systemd/system/$unit" "$root/etc/systemd/system/sysinit.target.wants/$unit"
for tool in awk sed setsid timeout mount; do
  if ! PATH="$root/usr/bin:$root/bin:$root/usr/sbin:$root/sbin" command -v "$tool" >/dev/null 2>&1 && [ "$root" = / ]; then
    echo "install.sh: warning: $tool is missing; the agent needs it" >&2
  fi
done
if [ "$root" = / ] && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  systemctl restart "$unit"
fi
echo "vmrole guest agent $(cat "$root/usr/lib/vmrole/VERSION") installed in $root"
