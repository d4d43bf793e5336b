#!/usr/bin/env bash
# How Linux 6.1 adds a data block to a leaf directory, for BlockDirectoriesChangeInPlaceTest: 400
# empty files of 24-byte names (40-byte entries; four data blocks of 100 names each, "." and ".."
# in the first) made in a new directory with a LEAF1 block; the 100 names of the second data block
# removed (the block goes, its best-free slot turns null); then 101 new names of 24 bytes made,
# none of which fits a block the directory has. After the removal, the first new name, the 100th
# and the 101st, xfs_db prints the directory's size and mapping and the leaf's header (count,
# stale), tail (bestcount) and bests.
#
#   fs-xfs/src/test/oracle/leaf-grow.sh [OUTDIR]
#
# The oracle is found as $LINUX_MOUNT, or ../shared/oracle/linux-mount beside the checkout.
set -euo pipefail
out=$(mkdir -p "${1:-leaf-grow-out}" && cd "${1:-leaf-grow-out}" && pwd)
lm=${LINUX_MOUNT:-$(cd "$(dirname "$0")/../../../.." && pwd)/../shared/oracle/linux-mount}
[ -x "$lm" ] || { echo "leaf-grow: no linux-mount at $lm (set LINUX_MOUNT)" >&2; exit 2; }
img="$out/leaf.img"
rm -f "$img" && truncate -s 512M "$img" && "$(command -v mkfs.xfs || echo /usr/sbin/mkfs.xfs)" -q -f "$img"
cat > "$out/guest.sh" <<'G'
show() {
  echo "== $1"
  xfs_db -r -c "inode $ino" -c "print core.size core.nextents" -c "bmap" \
    -c "dblock 8388608" -c "print lhdr.count lhdr.stale ltail lbests" $DISK1
}
gone() {
  mount -t xfs $DISK1 /mnt/x
  i=$1; while [ $i -lt $2 ]; do rm /mnt/x/d/$(printf 'f%023d' $i); i=$((i+1)); done
  umount /mnt/x
}
made() {
  mount -t xfs $DISK1 /mnt/x
  i=$1; while [ $i -lt $2 ]; do : > /mnt/x/d/$(printf 'g%023d' $i); i=$((i+1)); done
  umount /mnt/x
}
mkdir -p /mnt/x && mount -t xfs $DISK1 /mnt/x && mkdir /mnt/x/d
i=0; while [ $i -lt 400 ]; do : > /mnt/x/d/$(printf 'f%023d' $i); i=$((i+1)); done
ino=$(ls -di /mnt/x/d | awk '{print $1}'); umount /mnt/x
gone 100 200; show "second block emptied"
made 0 1; show "one new name"
made 1 100; show "100 new names"
made 100 101; show "101 new names"
G
"$lm" -o "$out" "$img" -- "$out/guest.sh"
cat "$out/output.txt"
