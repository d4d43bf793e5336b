# The guest script of linux-pmem.sh that measured measured/ext-family-linux-6.1.txt: DAX and fallocate
# on ext3 (indirect) files, on files left indirect by tune2fs -O extent, on inline_data, and -o dax
# mounts of every feature mke2fs sets. Run: linux-pmem.sh -o OUT measure-ext-family.sh
load_modules
P=/dev/pmem0
section() { echo "=== $*"; echo "=== $*" > /dev/kmsg; }
attrs() { xfs_io -c "statx -r" "$1" 2>&1 | grep -E "stat.attributes ="; sync; debugfs -R "stat ${1#/mnt}" /dev/pmem0 2>/dev/null | grep -o "Flags: 0x[0-9a-f]*"; }
try() { echo "\$ $*"; "$@" 2>&1; echo "rc=$?"; }
section ext3 dax
mke2fs -q -F -t ext3 -b 4096 $P 256M
try mount -t ext4 -o dax $P /mnt
grep " /mnt " /proc/mounts
try xfs_io -f -c "pwrite -q 0 64k" /mnt/f
attrs /mnt/f
try xfs_io -c "falloc 0 1m" /mnt/f
try xfs_io -c "fpunch 0 4k" /mnt/f
try xfs_io -c "fzero 0 4k" /mnt/f
try xfs_io -c "fiemap -v" /mnt/f
try xfs_io -c "mmap -rw -S 0 64k" -c "mwrite 0 4k" -c "msync -s 0 4k" /mnt/f
try xfs_io -c "pwrite -q 1t 4k" /mnt/f
try xfs_io -c "pwrite -q 2198889005056 4k" /mnt/f
try xfs_io -c "pwrite -q 3t 4k" /mnt/f
try xfs_io -c "truncate 3t" /mnt/f
try xfs_io -c "seek -h 0" -c "seek -d 100k" /mnt/f
try xfs_io -f -c "pwrite -q 0 8m" -c "fiemap -v" /mnt/g
umount /mnt
section ext3 then extent
mke2fs -q -F -t ext3 -b 4096 $P 256M
mount -t ext4 $P /mnt; xfs_io -f -c "pwrite -q 0 64k" /mnt/old; umount /mnt
try tune2fs -O extent $P
try mount -t ext4 -o dax $P /mnt
xfs_io -f -c "pwrite -q 0 64k" /mnt/new
for f in old new; do attrs /mnt/$f;  done
try xfs_io -c "falloc 0 1m" /mnt/old
try xfs_io -c "falloc 0 1m" /mnt/new
umount /mnt
section inline_data dax
mke2fs -q -F -t ext4 -b 4096 -O inline_data $P 256M
try mount -t ext4 -o dax $P /mnt
try mount -t ext4 -o dax=always $P /mnt
try mount -t ext4 -o dax=inode $P /mnt
echo small > /mnt/small
xfs_io -f -c "pwrite -q 0 8k" /mnt/big
for f in small big; do attrs /mnt/$f;  done
try xfs_io -c "chattr +x" /mnt/small
try xfs_io -c "lsattr -v" /mnt/small
try xfs_io -c "chattr +x" /mnt/big
umount /mnt; mount -t ext4 -o dax=inode $P /mnt
for f in small big; do attrs /mnt/$f;  done
try xfs_io -c "pwrite -q 0 8k" /mnt/small
attrs /mnt/small
umount /mnt; mount -t ext4 -o dax=inode $P /mnt
attrs /mnt/small
mkdir /mnt/d; xfs_io -c "chattr +x" /mnt/d; echo x > /mnt/d/in; attrs /mnt/d/in
umount /mnt
try mount -t ext4 $P /mnt && umount /mnt
for feat in quota project,quota verity meta_bg,^resize_inode ea_inode large_dir mmp casefold encrypt bigalloc; do
  section feature $feat
  mke2fs -q -F -t ext4 -b 4096 -I 256 -O $feat $P 256M
  try mount -t ext4 -o dax $P /mnt && { grep " /mnt " /proc/mounts; xfs_io -f -c "pwrite -q 0 64k" /mnt/f; attrs /mnt/f;  umount /mnt; }
done
section done
