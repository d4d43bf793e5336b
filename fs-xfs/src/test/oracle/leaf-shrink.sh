#!/usr/bin/env bash
# What Linux 6.1 does when removals empty a data block of a leaf directory, for
# BlockDirectoriesChangeInPlaceTest: 400 empty files of 24-byte names (40-byte entries; four data
# blocks of 100 names each, "." and ".." in the first) made in a new directory with a LEAF1 block;
# then the 100 names of the second data block removed, then the 100 of the fourth, then the 100 of
# the third; then, from the one data block left, its last 17 names (83 to 99) one by one, and name
# 82. After each step xfs_db prints the directory's size and mapping and the leaf's header
# (count, stale), tail (bestcount) and bests (in block form, the last: nothing at the leaf's offset).
#
#   fs-xfs/src/test/oracle/leaf-shrink.sh [OUTDIR]
#
# The oracle is found as $LINUX_MOUNT, or ../shared/oracle/linux-mount beside the checkout.
set -euo pipefail
out=$(mkdir -p "${1:-leaf-shrink-out}" && cd "${1:-leaf-shrink-out}" && pwd)
lm=${LINUX_MOUNT:-$(cd "$(dirname "$0")/../../../.." && pwd)/../shared/oracle/linux-mount}
[ -x "$lm" ] || { echo "leaf-shrink: no linux-mount at $lm (set LINUX_MOUNT)" >&2; exit 2; }
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
mkdir -p /mnt/x && mount -t xfs $DISK1 /mnt/x && mkdir /mnt/x/d
i=0; while [ $i -lt 400 ]; do : > /mnt/x/d/$(printf 'f%023d' $i); i=$((i+1)); done
ino=$(ls -di /mnt/x/d | awk '{print $1}'); umount /mnt/x
show made
gone 100 200; show "second block emptied"
gone 300 400; show "fourth block emptied"
gone 200 300; show "third block emptied"
gone 83 100; show "17 more removed"
gone 82 83; show "18 more removed"
G
"$lm" -o "$out" "$img" -- "$out/guest.sh"
cat "$out/output.txt"
