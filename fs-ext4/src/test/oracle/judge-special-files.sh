#!/usr/bin/env bash
# The kernel as the judge of jdax's device nodes, FIFOs and sockets, and jdax as the reader of
# Linux's: jdax makes ext2, ext4 and XFS images with `jdax mknod` (an old-encoded number, one past
# 255 that takes the new encoding, a block device, a FIFO); Linux 6.1 mounts each (the guest serves
# ext2 with its ext4 driver), prints what stat says of jdax's nodes, makes the same nodes itself,
# removes one of jdax's and unmounts; e2fsck -fn and xfs_repair -n judge the images in the guest;
# then `jdax ls -l` lists what Linux made. Not run by the tests: it boots the kernel. What it
# printed is kept in measured/special-files-linux-6.1.txt.
#
#   judge-special-files.sh
set -euo pipefail

oracle=${JDAX_ORACLE:-/work/shared/oracle/linux-mount}
jdax=${JDAX:-$(git rev-parse --show-toplevel)/jdax}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

for t in ext2 ext4 xfs; do
  "$jdax" mkfs -t $t $t.img $([ $t = xfs ] && echo 320m || echo 64m) > /dev/null
  "$jdax" mknod $t.img:/null c 1 3
  "$jdax" mknod $t.img:/big c 300 70000
  "$jdax" mknod -m 600 $t.img:/sda b 8 0
  "$jdax" mknod $t.img:/fifo p
done

cat > guest.sh <<'GUEST'
n=0
for d in $DISK1 $DISK2 $DISK3; do
  n=$((n+1)); mkdir -p /m$n
  mount -t auto $d /m$n
  echo "== $d, mounted as $(grep " /m$n " /proc/mounts | cut -d' ' -f3): jdax's nodes (name type major:minor in hex, mode, size)"
  for f in null big sda fifo; do stat -c "%n %F %t:%T %a %s" /m$n/$f; done
  mknod /m$n/lnull c 1 3; mknod /m$n/lbig c 300 70000; mknod -m 600 /m$n/lsda b 8 0; mknod /m$n/lfifo p
  echo "Linux's nodes:"; for f in lnull lbig lsda lfifo; do stat -c "%n %F %t:%T %a %s" /m$n/$f; done
  rm /m$n/null
  umount /m$n
done
e2fsck -fn $DISK1 > /dev/null 2>&1; echo "e2fsck -fn (ext2) status $?"
e2fsck -fn $DISK2 > /dev/null 2>&1; echo "e2fsck -fn (ext4) status $?"
xfs_repair -n $DISK3 > /dev/null 2>&1; echo "xfs_repair -n status $?"
GUEST
"$oracle" -o out ext2.img ext4.img xfs.img -- guest.sh > /dev/null 2>&1 || true
cat out/output.txt
for t in ext2 ext4 xfs; do
  echo "== jdax ls -l of $t.img, Linux's nodes beside jdax's"
  "$jdax" ls -l $t.img:/ | grep -v lost+found | sed -E 's/ [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{5} / DATE /'
done
