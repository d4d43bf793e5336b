#!/usr/bin/env bash
# The kernel as the judge of hashed directories jdax grew: Linux 6.1 mounts each image, lists /big,
# looks names up through jdax's index, adds names into it (splitting jdax's leaves and nodes) and
# removes some, unmounts; e2fsck -fn runs in the guest. jdax then reads what the kernel left. Not run
# by the tests: it boots the kernel (a few minutes under TCG). What it printed is kept in
# measured/jdax-htree-linux-6.1.txt.
#
#   judge-jdax-htree.sh A.img B.img ...   (each with a directory /big of names jdax created)
#
# The images of the measured run: jdax mkfs -t ext4 of 256 MiB with 20,000 names "f<i>" in /big and
# every 7th removed (one index level); mke2fs -t ext4 -b 1024 -O large_dir of 512 MiB with 50,000
# names "f<i>" + 200 bytes and every 9th removed (three levels), both filled through the VFS. (The
# stat of f1 and f13 fails on the second image: its names carry the 200-byte suffix.)
set -euo pipefail

oracle=${JDAX_ORACLE:-/work/shared/oracle/linux-mount}
guest=$(mktemp)
cat > "$guest" <<'GUEST'
i=1
for d in $DISKS; do
  mount -t ext4 $d /mnt || exit 1
  echo "@@disk $i before: $(ls /mnt/big | wc -l) names"
  stat -c '%n %i' /mnt/big/f1 /mnt/big/f13 >/dev/null || echo "stat failed"
  k=0
  while [ $k -lt 1000 ]; do : > /mnt/big/kernel-$k; k=$((k + 1)); done
  k=1
  while [ $k -lt 2000 ]; do rm /mnt/big/f$k* 2>/dev/null; k=$((k + 4)); done
  echo "@@disk $i after: $(ls /mnt/big | wc -l) names"
  umount /mnt
  e2fsck -fn $d > /tmp/fsck.txt 2>&1; echo "@@disk $i e2fsck rc=$?"; tail -3 /tmp/fsck.txt
  i=$((i + 1))
done
dmesg | grep -i -E "ext4|htree|dx_" | tail -20
GUEST
"$oracle" -o "${OUT:-linux-mount-out}" "$@" -- "$guest"
