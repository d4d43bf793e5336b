#!/usr/bin/env bash
# What Linux 6.1 leaves in a leaf directory's LEAF1 block when a name goes and another comes, for
# BlockDirectoriesChangeInPlaceTest.aLeafDirectoryChangesInItsOwnBlocks: 300 empty files
# name-0..name-299 made in a new directory (two data blocks and a LEAF1 block), then name-150
# removed, then name-x made; xfs_db prints the leaf's header (count, stale), its tail (bestcount)
# and its bests after each step. Measured 2026-12-04: count 302, stale 0, bests 0x10 0x330; after
# the removal: stale 1, bests 0x18 0x330; after the create: stale 0, bests 0x10 0x330 (name-x took
# the freed 24 bytes of the first data block and the stale slot).
#
#   fs-xfs/src/test/oracle/leaf-remove.sh [OUTDIR]
#
# The oracle is found as $LINUX_MOUNT, or ../shared/oracle/linux-mount beside the checkout.
set -euo pipefail
out=$(mkdir -p "${1:-leaf-remove-out}" && cd "${1:-leaf-remove-out}" && pwd)
lm=${LINUX_MOUNT:-$(cd "$(dirname "$0")/../../../.." && pwd)/../shared/oracle/linux-mount}
[ -x "$lm" ] || { echo "leaf-remove: no linux-mount at $lm (set LINUX_MOUNT)" >&2; exit 2; }
img="$out/leaf.img"
rm -f "$img" && truncate -s 512M "$img" && "$(command -v mkfs.xfs || echo /usr/sbin/mkfs.xfs)" -q -f "$img"
cat > "$out/guest.sh" <<'G'
mkdir -p /mnt/x && mount -t xfs $DISK1 /mnt/x && mkdir /mnt/x/d
i=0; while [ $i -lt 300 ]; do : > /mnt/x/d/name-$i; i=$((i+1)); done
ino=$(ls -di /mnt/x/d | awk '{print $1}'); umount /mnt/x
xfs_db -r -c "inode $ino" -c "bmap" -c "dblock 8388608" -c "print lhdr.count lhdr.stale ltail lbests" $DISK1
mount -t xfs $DISK1 /mnt/x && rm /mnt/x/d/name-150 && umount /mnt/x
echo AFTER
xfs_db -r -c "inode $ino" -c "dblock 8388608" -c "print lhdr.count lhdr.stale ltail lbests" $DISK1
mount -t xfs $DISK1 /mnt/x && : > /mnt/x/d/name-x && umount /mnt/x
echo ADDED
xfs_db -r -c "inode $ino" -c "dblock 8388608" -c "print lhdr.count lhdr.stale ltail lbests" $DISK1
G
"$lm" -o "$out" "$img" -- "$out/guest.sh"
cat "$out/output.txt"
