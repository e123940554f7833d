#!/bin/sh
# Builds a Debian 12 server image for vmrole from Debian packages: systemd, Debian's kernel, syslinux on a FAT
# boot partition, nginx serving a page that names the instance, and the vmrole guest agent package; then
# generalizes it with `vmrole image prepare`. No loop devices or mounts: mmdebstrap builds the tree (as root,
# or with --mode=unshare as a user), mkfs.ext4 -d and mtools make the partitions.
#
#   examples/debian-nginx/build.sh OUT.qcow2                   the image with the agent
#   examples/debian-nginx/build.sh OUT.qcow2 --without-agent   cloud-init instead: judged by its probe
#
# Needs: mmdebstrap, e2fsprogs, dosfstools, mtools, syslinux, syslinux-common, fdisk, qemu-utils.
# VMROLE names the vmrole command (default: the repository's ./vmrole); MIRROR the Debian mirror.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build.sh OUT.qcow2 [--without-agent]}
agent=yes
[ "${2:-}" = --without-agent ] && agent=no
vmrole=${VMROLE:-$here/../../vmrole}
mirror=${MIRROR:-http://deb.debian.org/debian}
[ -e "$out" ] && { echo "build.sh: $out exists; give a new file name" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/debian-nginx.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root

packages=systemd,systemd-sysv,udev,dbus,kmod,linux-image-amd64,initramfs-tools,nginx-light,iproute2,mawk
set --
if [ "$agent" = yes ]; then
  "$vmrole" guest-agent deb --out "$work/vmrole-guest-agent.deb"
  set -- --customize-hook="copy-in $work/vmrole-guest-agent.deb /tmp" \
    --customize-hook='chroot "$1" apt-get install -y -q /tmp/vmrole-guest-agent.deb' \
    --customize-hook='rm -f "$1/tmp/vmrole-guest-agent.deb"'
else
  # Only cloud-init: it reads the CIDATA drive and writes /run/vmrole/environment from the user-data.
  packages=$packages,cloud-init
  set -- --customize-hook='printf "datasource_list: [ NoCloud, None ]\n" > "$1/etc/cloud/cloud.cfg.d/90-vmrole.cfg"'
fi

mmdebstrap --variant=apt --include="$packages" \
  --customize-hook='echo debian-nginx > "$1/etc/hostname"' \
  --customize-hook='echo "LABEL=debian-root / ext4 defaults,noatime 0 1" > "$1/etc/fstab"' \
  --customize-hook="sync-in $here/rootfs /" \
  --customize-hook='chroot "$1" systemctl enable systemd-networkd vmrole-page.service vmrole-page.path nginx' \
  "$@" \
  bookworm "$root" "$mirror"

# The boot partition: syslinux, the kernel and Debian's initramfs (MODULES=most: it has the virtio drivers).
# no_timer_check: under TCG a guest reset by the host (QMP system_reset, how vmrole heals) hangs in the kernel's
# IO-APIC timer check ("8254 timer not connected to IO-APIC") without it.
kernel=$(ls "$root"/boot/vmlinuz-* | head -n 1)
initrd=$(ls "$root"/boot/initrd.img-* | head -n 1)
cat > "$work/syslinux.cfg" <<CFG
DEFAULT debian
PROMPT 0
TIMEOUT 0
LABEL debian
  LINUX /vmlinuz
  INITRD /initrd.img
  APPEND root=LABEL=debian-root ro console=ttyS0 quiet panic=10 no_timer_check
CFG
boot_mib=96
truncate -s ${boot_mib}M "$work/boot.img"
mkfs.vfat -n BOOT "$work/boot.img" >/dev/null
mcopy -i "$work/boot.img" "$kernel" ::vmlinuz
mcopy -i "$work/boot.img" "$initrd" ::initrd.img
mcopy -i "$work/boot.img" "$work/syslinux.cfg" ::syslinux.cfg
syslinux --install "$work/boot.img"

# The root partition: the tree with a quarter free, at least 512 MiB free.
used_mib=$(du -sm "$root" | cut -f1)
root_mib=$((used_mib + used_mib / 4 + 512))
mkfs.ext4 -q -L debian-root -d "$root" "$work/root.img" "${root_mib}M"

# The disk: an MBR with syslinux's boot code, the boot partition at 1 MiB, the root after it.
disk=$work/disk.raw
truncate -s $((1 + boot_mib + root_mib))M "$disk"
printf 'label: dos\nstart=2048, size=%s, type=c, bootable\nstart=%s, type=83\n' \
  $((boot_mib * 2048)) $(((1 + boot_mib) * 2048)) | sfdisk --quiet --no-reread --no-tell-kernel "$disk"
dd if=/usr/lib/syslinux/mbr/mbr.bin of="$disk" bs=440 count=1 conv=notrunc status=none
dd if="$work/boot.img" of="$disk" bs=1M seek=1 conv=notrunc,sparse status=none
dd if="$work/root.img" of="$disk" bs=1M seek=$((1 + boot_mib)) conv=notrunc,sparse status=none
qemu-img convert -O qcow2 "$disk" "$work/built.qcow2"

# Generalize: no machine id, SSH host keys, leases, cloud-init state or logs from the build.
"$vmrole" image prepare "$work/built.qcow2" "$out"
