#!/usr/bin/env bash
# The kernel as the judge of a bigalloc file system jdax wrote: mke2fs -O bigalloc -C 65536, then
# jdax copies files in (a 4 KiB one, one of 3 clusters and a bit, a 2 MiB one), punches blocks out
# of the middle of the big one and truncates the middle one inside a cluster. Linux 6.1 mounts it,
# reads every file (md5sum, beside the host's), stats i_blocks, writes and punches more itself, and
# e2fsck -fn runs in the guest. Not run by the tests: it boots the kernel. What it printed is kept
# in measured/jdax-bigalloc-linux-6.1.txt.
#
#   judge-jdax-bigalloc.sh WORKDIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../../.." && pwd)
oracle=${JDAX_ORACLE:-$here/../../../../../shared/oracle/linux-mount}
[ -x "$oracle" ] || oracle=/work/shared/oracle/linux-mount
work=${1:?usage: judge-jdax-bigalloc.sh WORKDIR}
mkdir -p "$work"
img=$work/jdax-bigalloc.img
mke2fs -q -F -t ext4 -b 4096 -C 65536 -O bigalloc "$img" 128M
head -c 4096 /dev/urandom > "$work/small"
head -c $((3 * 65536 + 5000)) /dev/urandom > "$work/middle"
head -c $((2 << 20)) /dev/urandom > "$work/big"
for f in small middle big; do "$repo/jdax" cp "$work/$f" "$img:/$f"; done
"$repo/jdax" io -c "fpunch 100k 200k" -c "fpunch 1m 4k" "$img:/big"
"$repo/jdax" io -c "truncate 140000" "$img:/middle"
# The host's view of what the files hold now: the punched ranges read as zeros.
python3 - "$work" <<'PY'
import sys, hashlib
w = sys.argv[1]
big = bytearray(open(w + '/big', 'rb').read())
big[100 << 10:300 << 10] = bytes(200 << 10)
big[1 << 20:(1 << 20) + 4096] = bytes(4096)
middle = open(w + '/middle', 'rb').read()[:140000]
for name, data in (('small', open(w + '/small', 'rb').read()), ('middle', middle), ('big', bytes(big))):
    print(hashlib.md5(data).hexdigest(), name)
PY
e2fsck -fn "$img"
guest=$(mktemp)
cat > "$guest" <<'GUEST'
mount -t ext4 $DISK1 /mnt || exit 1
cd /mnt
for f in small middle big; do echo "$(md5sum < $f | cut -d' ' -f1) $f $(stat -c '%s %b' $f)"; done
dd if=/dev/urandom of=big bs=4096 seek=30 count=3 conv=notrunc 2>/dev/null
xfs_io -c "fpunch 1572864 65536" big
echo "after Linux's writes: $(stat -c '%s %b' big)"
cd /; umount /mnt
e2fsck -fn $DISK1 > /tmp/fsck 2>&1; echo "@@e2fsck rc=$?"; tail -1 /tmp/fsck
GUEST
"$oracle" -o "$work/linux-out" "$img" -- "$guest"
