#!/usr/bin/env bash
# What lazytime leaves on disk after a power cut, on Linux 6.1 (ext4 and XFS; the guest has no
# fs/ext2): four images made here (ext4 and XFS, each mounted lazytime and relatime), three boots of
# the linux-mount oracle. Boot 1 makes /a (atime 2019, before its mtime 2020), /b, and /sub/c2 after
# twenty other files (so that c2's inode is in another block of ext4's inode table than a's and
# b's). Boot 2 reads /a, writes a byte of /b, writes another a second later, writes /sub/c2 and
# fsyncs it, prints the times in core, and leaves everything mounted: the guest powers off as in a
# power cut. Boot 3 prints the times on disk. Not run by the tests: it boots the kernel. What it
# printed is kept in measured/lazytime-linux-6.1.txt; LazytimeTest asserts the same of jdax.
#
#   measure-lazytime.sh
set -euo pipefail

oracle=${JDAX_ORACLE:-/work/shared/oracle/linux-mount}
export PATH=/usr/sbin:/sbin:$PATH
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
for m in lazy eager; do
  truncate -s 64m "e4-$m.img"; mke2fs -q -F -t ext4 -b 4096 "e4-$m.img" > /dev/null
  truncate -s 320m "x-$m.img"; mkfs.xfs -q -f "x-$m.img"
done
cat > make.sh <<'GUEST'
n=0
for d in $DISKS; do
  n=$((n + 1)); m=/m$n; mkdir -p $m
  mount $d $m || { echo "mount $d failed"; continue; }
  echo aaaa > $m/a; echo bbbb > $m/b; mkdir $m/sub
  for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do echo x > $m/sub/pad$i; done
  echo cccc > $m/sub/c2
  touch -d "2020-01-01 00:00:00" $m/a $m/b; touch -a -d "2019-01-01 00:00:00" $m/a
  umount $m
done
GUEST
cat > work.sh <<'GUEST'
n=0
for d in $DISKS; do
  n=$((n + 1))
  case $n in 1|3) o=lazytime ;; *) o=relatime ;; esac
  m=/m$n; mkdir -p $m
  mount -o $o $d $m || { echo "mount $d failed"; continue; }
  grep " $m " /proc/mounts | cut -d' ' -f3,4
  ls -i $m/a $m/b $m/sub/c2 | tr '\n' ' '; echo
  stat -c "$n before %n atime=%X mtime=%Y" $m/a $m/b
  cat $m/a > /dev/null
  xfs_io -c "pwrite -q 0 1" $m/b
  sleep 1.2
  xfs_io -c "pwrite -q 1 1" $m/b
  xfs_io -c "pwrite -q 0 1" -c fsync $m/sub/c2
  stat -c "$n in core %n atime=%X mtime=%Y" $m/a $m/b
done
echo "@@ left mounted: power cut"
GUEST
cat > look.sh <<'GUEST'
n=0
for d in $DISKS; do
  n=$((n + 1)); m=/m$n; mkdir -p $m
  mount $d $m || { echo "mount $d failed"; continue; }
  stat -c "$n on disk %n atime=%X mtime=%Y" $m/a $m/b
  umount $m
done
GUEST
imgs="e4-lazy.img e4-eager.img x-lazy.img x-eager.img"
echo "# measure-lazytime.sh, $(date -u +%F): disks 1-4 = ext4 lazytime, ext4 relatime, XFS lazytime, XFS relatime"
"$oracle" -o out0 $imgs -- make.sh > /dev/null 2>&1 || true
"$oracle" -o out1 $imgs -- work.sh > /dev/null 2>&1 || true
"$oracle" -o out2 $imgs -- look.sh > /dev/null 2>&1 || true
echo "# kernel: $(head -c 60 out1/kernel 2>/dev/null | tr -d '\n')"
cat out1/output.txt out2/output.txt
