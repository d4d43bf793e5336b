#!/usr/bin/env bash
# What Linux 6.1 does to the data blocks of a leaf directory, for BlockDirectoriesChangeInPlaceTest.
# Each directory starts with 400 empty files of 24-byte names (40-byte entries: four data blocks of
# 100 names each, "." and ".." in the first) and a LEAF1 block.
#   d (removals): the 100 names of the second data block removed, then the 100 of the fourth, then
#     the 100 of the third; then, in the one data block left, its names 83 to 99, and name 82.
#   e (adds): the 100 names of the second data block removed, then 101 new names of 24 bytes, none
#     of which fits a block the directory has; shown after the first, the 100th and the 101st.
# After each step xfs_db prints the directory's size and mapping and the leaf's header (count,
# stale), tail (bestcount) and bests (in block form: nothing at the leaf's offset).
#
#   fs-xfs/src/test/oracle/leaf-blocks.sh [OUTDIR]
#
# The oracle is found as $LINUX_MOUNT, or ../shared/oracle/linux-mount beside the checkout.
set -euo pipefail
out=$(mkdir -p "${1:-leaf-blocks-out}" && cd "${1:-leaf-blocks-out}" && pwd)
lm=${LINUX_MOUNT:-$(cd "$(dirname "$0")/../../../.." && pwd)/../shared/oracle/linux-mount}
[ -x "$lm" ] || { echo "leaf-blocks: no linux-mount at $lm (set LINUX_MOUNT)" >&2; exit 2; }
img="$out/leaf.img"
rm -f "$img" && truncate -s 512M "$img" && "$(command -v mkfs.xfs || echo /usr/sbin/mkfs.xfs)" -q -f "$img"
cat > "$out/guest.sh" <<'G'
# names DIR PREFIX FROM TO rm|make: the names PREFIX%023d for FROM..TO-1 removed or made
names() {
  mount -t xfs $DISK1 /mnt/x
  i=$3; while [ $i -lt $4 ]; do
    f=/mnt/x/$1/$(printf "$2%023d" $i)
    if [ $5 = rm ]; then rm $f; else : > $f; fi
    i=$((i+1))
  done
  umount /mnt/x
}
show() {
  echo "== $1: $2"
  ino=$(cat /tmp/ino.$1)
  xfs_db -r -c "inode $ino" -c "print core.size core.nextents" -c "bmap" \
    -c "dblock 8388608" -c "print lhdr.count lhdr.stale ltail lbests" $DISK1
}
mkdir -p /mnt/x && mount -t xfs $DISK1 /mnt/x && mkdir /mnt/x/d /mnt/x/e
ls -di /mnt/x/d | awk '{print $1}' > /tmp/ino.d; ls -di /mnt/x/e | awk '{print $1}' > /tmp/ino.e; umount /mnt/x
names d f 0 400 make; names e f 0 400 make; show d made
names d f 100 200 rm; show d "second block emptied"
names d f 300 400 rm; show d "fourth block emptied"
names d f 200 300 rm; show d "third block emptied"
names d f 83 100 rm; show d "17 more removed"
names d f 82 83 rm; show d "18 more removed"
names e f 100 200 rm; show e "second block emptied"
names e g 0 1 make; show e "one new name"
names e g 1 100 make; show e "100 new names"
names e g 100 101 make; show e "101 new names"
G
"$lm" -o "$out" "$img" -- "$out/guest.sh"
cat "$out/output.txt"
