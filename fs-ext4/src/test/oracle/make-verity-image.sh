#!/usr/bin/env bash
# Makes an ext4 image whose fs-verity files the Linux 6.1 kernel sealed itself (FS_IOC_ENABLE_VERITY,
# through verity-enable.c, built statically here since the guest has no fsverity tool; SHA-256 only:
# the guest kernel has no sha512 loaded), what the
# kernel reads and measures of them, and a copy with one data block flipped that the kernel then
# fails to read — for checking that jdax reads verity files as Linux does (LinuxVerityImagesTest).
# Not run by the tests: it needs gcc and boots the kernel twice with
# ../../../../../shared/oracle/linux-mount (about a minute); the images are not committed.
#
#   make-verity-image.sh OUTDIR
#
# OUTDIR gets verity.img (sealed), corrupt.img (data block 100 of /two-levels flipped), linux.txt
# (the kernel's measurements and md5sums after a remount, and what writing a sealed file gives),
# corrupt.txt (the kernel reading the flipped block and the one before it).
# Check them with: ./mvnw -pl fs-ext4 -am verify -Dtest=LinuxVerityImagesTest -Djdax.verityImages=OUTDIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
oracle=${JDAX_ORACLE:-$here/../../../../../shared/oracle/linux-mount}
[ -x "$oracle" ] || oracle=/work/shared/oracle/linux-mount
out=${1:?usage: make-verity-image.sh OUTDIR}
mkdir -p "$out/tools" "$out/tree"
gcc -static -O2 -o "$out/tools/verity-enable" "$here/verity-enable.c"
mke2fs -q -F -t ext2 -d "$out/tools" "$out/tools.img" 8M

# The files: empty, within one block, two tree levels, salted (600 KB), one whole block with a
# salt, sparse (holes are hashed as zeros), and one left unsealed.
t=$out/tree
: > "$t/empty"
head -c 3000 /dev/urandom > "$t/one-block"
head -c $((1048576 + 123)) /dev/urandom > "$t/two-levels"
head -c 600000 /dev/urandom > "$t/salted"
head -c 4096 /dev/urandom > "$t/salt-block"
head -c 5000 /dev/urandom > "$t/sparse"; truncate -s 2M "$t/sparse"
printf 'not sealed\n' > "$t/plain"
mke2fs -q -F -t ext4 -b 4096 -O verity -d "$t" "$out/verity.img" 64M

cat > "$out/seal.sh" <<'EOF'
mkdir -p /t; mount -t ext4 -o ro $DISK2 /t || exit 1
mount -t ext4 $DISK1 /mnt || exit 1
cd /mnt
/t/verity-enable empty one-block two-levels sparse
/t/verity-enable -s "a pinch of salt" salt-block salted
echo "@@write"
( echo more >> one-block ) 2>&1
truncate -s 0 two-levels 2>&1
cd /; umount /mnt
mount -t ext4 $DISK1 /mnt || exit 1
cd /mnt
echo "@@measure"
/t/verity-enable -m empty one-block two-levels sparse salt-block salted
echo "@@md5"
md5sum empty one-block two-levels sparse salt-block salted plain
cd /; umount /mnt
EOF
"$oracle" -o "$out/seal-out" "$out/verity.img" "$out/tools.img" -- "$out/seal.sh"
cp "$out/seal-out/output.txt" "$out/linux.txt"

cp "$out/verity.img" "$out/corrupt.img"
blk=$(debugfs -R "bmap /two-levels 100" "$out/corrupt.img" 2>/dev/null)
python3 - "$out/corrupt.img" "$blk" <<'PY'
import sys
path, blk = sys.argv[1], int(sys.argv[2])
with open(path, 'r+b') as f:
    f.seek(blk * 4096 + 77); b = f.read(1); f.seek(blk * 4096 + 77); f.write(bytes([b[0] ^ 1]))
PY
cat > "$out/corrupt.sh" <<'EOF'
mount -t ext4 -o ro $DISK1 /mnt || exit 1
echo "@@block 100"; dd if=/mnt/two-levels bs=4096 skip=100 count=1 2>&1 | md5sum; dd if=/mnt/two-levels of=/dev/null bs=4096 skip=100 count=1 2>&1 | head -1
echo "@@block 99"; dd if=/mnt/two-levels bs=4096 skip=99 count=1 2>/dev/null | md5sum
umount /mnt
EOF
"$oracle" -o "$out/corrupt-out" "$out/corrupt.img" -- "$out/corrupt.sh"
cp "$out/corrupt-out/output.txt" "$out/corrupt.txt"
grep -i verity "$out/corrupt-out/dmesg.txt" >> "$out/corrupt.txt" || true
cat "$out/linux.txt" "$out/corrupt.txt"
