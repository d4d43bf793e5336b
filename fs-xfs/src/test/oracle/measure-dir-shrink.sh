#!/usr/bin/env bash
# How Linux 6.1 shrinks a node directory as its names go (xfs_dir2_node_removename: leaves and da
# nodes joined, a root left with one child taking its bytes, node to leaf, leaf to block, block to
# shortform). Two images made by mkfs.xfs -p with a fixed UUID: /big with 3,000 names and with
# 300,000 (a da root of level 2). The guest removes names in fixed phases and copies the image
# after each to a disk of its own; then, here, dir-state.sh prints each copy's directory: format,
# size and extent count, and the SHA-256 of its data fork, of its bmap and of every block of it as
# xfs_db prints them (NodeDirectoriesShrinkAsLinuxTest prints jdax's images after the same
# removals the same way). Not run by the tests: it boots the kernel (about fifteen minutes). What
# it printed is kept in measured/dir-shrink-linux-6.1.txt.
#
#   measure-dir-shrink.sh
set -euo pipefail

oracle=${JDAX_ORACLE:-/work/shared/oracle/linux-mount}
here=$(cd "$(dirname "$0")" && pwd)
uuid=6a0d5e1c-5e9a-4c1b-9d3f-2b8e7a41c0de
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

proto() {   # NAMES PREFIX
  printf '/dummy\n0 0\nd--755 0 0\nbig d--755 0 0\n'
  seq 1 "$1" | sed "s/^/$2/; s/\$/ ---644 0 0 \/dev\/null/"
  printf '$\n$\n'
}
proto 3000 file-with-a-longish-name- > small.proto
proto 300000 n > big.proto
truncate -s 320m small.img && mkfs.xfs -q -f -m uuid=$uuid -p small.proto small.img
truncate -s 1g big.img && mkfs.xfs -q -f -m uuid=$uuid -p big.proto big.img
labels=("small: all but 5 gone" "small: 4 left" "small: 3 left" "small: 2 left" "small: 1 left" "small: 0 left"
        "big: every 50th left" "big: one left")
for i in 0 1 2 3 4 5; do truncate -s 320m snap$i.img; done
for i in 6 7; do truncate -s 1g snap$i.img; done

cat > guest.sh <<'GUEST'
set -- $DISKS
small=$1; big=$2; shift 2
mkdir -p /m
snap() {   # DISK: the image as it is now onto the next snapshot disk
  umount /m; dd if="$1" of="$2" bs=1M 2> /dev/null; mount "$1" /m
}
mount $small /m; cd /m/big
i=6; while [ $i -le 3000 ]; do rm file-with-a-longish-name-$i; i=$((i+1)); done
cd /; snap $small $1; shift
for k in 5 4 3 2 1; do rm /m/big/file-with-a-longish-name-$k; snap $small $1; shift; done
umount /m
mount $big /m; cd /m/big
i=1; while [ $i -le 300000 ]; do if [ $((i % 50)) -ne 0 ]; then rm n$i; fi; i=$((i+1)); done
cd /; snap $big $1; shift
cd /m/big; i=50; while [ $i -le 299950 ]; do rm n$i; i=$((i+50)); done
cd /; snap $big $1
umount /m
echo done
GUEST
"$oracle" -o out small.img big.img snap0.img snap1.img snap2.img snap3.img snap4.img snap5.img snap6.img snap7.img \
  -- guest.sh > /dev/null 2>&1 || { cat out/output.txt; exit 1; }
. "$here/dir-state.sh"
for i in 0 1 2 3 4 5 6 7; do
  printf '%s ' "${labels[$i]}"; dir_state snap$i.img
done
