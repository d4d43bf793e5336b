#!/usr/bin/env bash
# What FS_IOC_GETFSMAP keys xfs_io 6.1 passes on ext4, and what Linux 6.1 answers: the oracle's
# guest mounts an ext4 image made here and runs xfs_io's fsmap with -d, -l, -r and none, under an
# LD_PRELOAD shim (fsmap-keys-shim.c, built here) that prints both keys before each call. This is
# how `fsmap-devices`'s EINVAL on ext4 was explained (dax-cli's compare/linux-6.1/SOURCES.md).
#
#   dax-cli/src/test/oracle/fsmap-keys.sh OUTDIR
#
# OUTDIR gets out/output.txt (the keys and xfs_io's lines). Needs gcc and mke2fs here; the oracle
# is $LINUX_MOUNT, or ../shared/oracle/linux-mount beside the checkout.
set -euo pipefail
[ $# -eq 1 ] || { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
out=$(mkdir -p "$1" && cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
lm=${LINUX_MOUNT:-}
for c in "$repo/../shared/oracle/linux-mount" "$repo/../../shared/oracle/linux-mount"; do
  if [ -z "$lm" ] && [ -x "$c" ]; then lm=$c; fi
done
[ -n "$lm" ] || { echo "fsmap-keys: no linux-mount (set LINUX_MOUNT)" >&2; exit 2; }
mke2fs=$(command -v mke2fs || echo /usr/sbin/mke2fs)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/bin"
gcc -shared -fPIC -O1 -o "$work/bin/shim.so" "$here/fsmap-keys-shim.c" -ldl
"$mke2fs" -q -t ext2 -d "$work/bin" "$out/tools.img" 8m
rm -f "$out/ext4.img"
"$mke2fs" -q -t ext4 "$out/ext4.img" 256m
cat > "$work/guest.sh" <<'GUEST'
mkdir -p /tools /mnt/e
mount -t ext2 $DISK1 /tools
mount -t ext4 $DISK2 /mnt/e
echo hello > /mnt/e/f
stat -c "st_dev of the file: %d (0x%D)" /mnt/e/f
for o in -d -l -r ""; do
  echo "== fsmap $o"
  LD_PRELOAD=/tools/shim.so xfs_io -c "fsmap $o" /mnt/e/f 2>&1 | head -5
done
GUEST
"$lm" -o "$out/out" "$out/tools.img" "$out/ext4.img" -- "$work/guest.sh"
cat "$out/out/output.txt"
