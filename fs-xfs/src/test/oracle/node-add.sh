#!/usr/bin/env bash
# Which data block Linux 6.1 gives a new name in a node directory, for
# BlockDirectoriesChangeInPlaceTest: 1,000 empty files of 24-byte names (40-byte entries, 100 to a
# data block, each block left with 32 bytes free) made in a new directory (ten data blocks, node
# form), then "tmp" (a 16-byte entry, which every block has room for). Prints where "tmp" comes in
# readdir order (busybox find, which lists what getdents gives without "." and "..": data blocks
# in order, so line 1001 of 1001 is the end of the last block), and xfs_db's view of the
# directory's mapping.
#
#   fs-xfs/src/test/oracle/node-add.sh [OUTDIR]
#
# The oracle is found as $LINUX_MOUNT, or ../shared/oracle/linux-mount beside the checkout.
set -euo pipefail
out=$(mkdir -p "${1:-node-add-out}" && cd "${1:-node-add-out}" && pwd)
lm=${LINUX_MOUNT:-$(cd "$(dirname "$0")/../../../.." && pwd)/../shared/oracle/linux-mount}
[ -x "$lm" ] || { echo "node-add: no linux-mount at $lm (set LINUX_MOUNT)" >&2; exit 2; }
img="$out/node.img"
rm -f "$img" && truncate -s 512M "$img" && "$(command -v mkfs.xfs || echo /usr/sbin/mkfs.xfs)" -q -f "$img"
cat > "$out/guest.sh" <<'G'
mkdir -p /mnt/x && mount -t xfs $DISK1 /mnt/x && mkdir /mnt/x/d
i=0; while [ $i -lt 1000 ]; do : > /mnt/x/d/$(printf 'f%023d' $i); i=$((i+1)); done
: > /mnt/x/d/tmp
find /mnt/x/d -mindepth 1 -maxdepth 1 | sed 's,.*/,,' > /tmp/order
echo "tmp at line $(grep -n '^tmp$' /tmp/order | cut -d: -f1) of $(wc -l < /tmp/order)"
ino=$(ls -di /mnt/x/d | awk '{print $1}'); umount /mnt/x
xfs_db -r -c "inode $ino" -c "bmap" $DISK1
G
"$lm" -o "$out" "$img" -- "$out/guest.sh"
cat "$out/output.txt"
