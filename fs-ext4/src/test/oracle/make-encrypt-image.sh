#!/usr/bin/env bash
# Makes an ext4 image (-O encrypt) whose encrypted directories the Linux 6.1 kernel made itself
# (fscrypt v2 policy, AES-256-XTS contents, AES-256-CTS names), then records what Linux shows of it
# WITHOUT the key: readdir's no-key names, readlink's no-key targets, stat, and the errors of
# opening, creating, renaming and linking (ENOKEY), and that unlinking a no-key name works. jdax
# must show the same. Not run by the tests: it boots the kernel with
# ../../../../../shared/oracle/linux-mount (about a minute); the image is not committed.
#
#   make-encrypt-image.sh OUTDIR
#
# OUTDIR gets encrypt.img and linux-out/output.txt (the listing with the key, then without); the
# output of the run the tests were written against is measured/encrypt-nokey-linux-6.1.txt.
# Check jdax against them with:
#   ./mvnw -pl fs-ext4 -am verify -Dtest=LinuxEncryptedImagesTest -Djdax.encryptImages=OUTDIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
oracle=${JDAX_ORACLE:-$here/../../../../../shared/oracle/linux-mount}
[ -x "$oracle" ] || oracle=/work/shared/oracle/linux-mount
out=${1:?usage: make-encrypt-image.sh OUTDIR}
mkdir -p "$out"
mke2fs -q -F -t ext4 -b 4096 -O encrypt "$out/encrypt.img" 64M
mke2fs -q -F -t ext4 -b 4096 "$out/scratch.img" 64M
. "$here/fscrypt-lib.sh"
fscrypt_modules_disk "$out/modules.img"

{ echo "$FSCRYPT_GUEST_SETUP"; cat; } > "$out/guest.sh" <<'EOF'
id=$(xfs_io -c add_enckey /mnt < /tmp/key | sed -n 's/.*identifier \([0-9a-f]*\).*/\1/p')
echo "@@key $id"
mkdir /mnt/enc /mnt/enc2 /mnt/plain
xfs_io -c "set_encpolicy $id" /mnt/enc || exit 1
xfs_io -c "set_encpolicy $id" /mnt/enc2 || exit 1
cd /mnt/enc
echo "hello, encrypted world" > small
dd if=/dev/urandom of=big bs=4096 count=40 2>/dev/null
: > empty
ln small hardlink
ln -s small short-link
ln -s "$(printf 'long/%.0s' $(seq 1 30))target" long-link
mkdir sub
echo inner > sub/inner
long=$(printf 'x%.0s' $(seq 1 200))
echo long > "$long"
mkdir many
k=0
while [ $k -lt 400 ]; do : > many/entry-$k; k=$((k + 1)); done
echo one > /mnt/enc2/one
echo two > /mnt/enc2/two
echo plain > /mnt/plain/file
cd /
echo "@@with-key"
md5sum /mnt/enc/small /mnt/enc/big /mnt/enc/sub/inner
for l in short-link long-link; do echo "$l -> $(readlink /mnt/enc/$l)"; done
sync
xfs_io -c "rm_enckey $id" /mnt
umount /mnt || exit 1
mount -t ext4 $DISK1 /mnt || exit 1
echo "@@without-key"
for d in /mnt/enc /mnt/enc/*/ /mnt/enc2; do
  echo "@@ls $d"
  ls -a "$d" | sort
done
echo "@@stat"
for f in /mnt/enc/* /mnt/enc/*/*; do stat -c '%n %F %s %b %h' "$f"; done
echo "@@readlink"
for f in /mnt/enc/*; do [ -L "$f" ] && echo "$f -> $(readlink "$f")"; done
echo "@@errors"
for f in /mnt/enc/*; do
  [ -f "$f" ] && [ ! -L "$f" ] && { cat "$f" > /dev/null 2> /tmp/err; echo "cat rc=$? $(sed 's/.*: //' /tmp/err)"; break; }
done
touch /mnt/enc/newfile 2> /tmp/err; echo "touch rc=$? $(sed 's/.*: //' /tmp/err)"
mkdir /mnt/enc/newdir 2> /tmp/err; echo "mkdir rc=$? $(sed 's/.*: //' /tmp/err)"
ln -s x /mnt/enc/newlink 2> /tmp/err; echo "symlink rc=$? $(sed 's/.*: //' /tmp/err)"
ln /mnt/plain/file /mnt/enc/hard 2> /tmp/err; echo "link rc=$? $(sed 's/.*: //' /tmp/err)"
first=$(ls /mnt/enc2 | head -1)
mv /mnt/enc2/$first /mnt/plain/moved 2> /tmp/err; echo "rename-out rc=$? $(sed 's/.*: //' /tmp/err)"
ls /mnt/enc/no-such-name 2> /tmp/err; echo "lookup-plain rc=$? $(sed 's/.*: //' /tmp/err)"
umount /mnt
# Unlinking a no-key name, on a copy (the image itself keeps every name for jdax).
dd if=$DISK1 of=$DISK3 bs=1M 2>/dev/null
mount -t ext4 $DISK3 /mnt || exit 1
first=$(ls /mnt/enc2 | head -1)
rm /mnt/enc2/$first; echo "unlink rc=$?"
ls -a /mnt/enc2 | sort
umount /mnt
e2fsck -fn $DISK3 > /tmp/fsck 2>&1; echo "e2fsck after unlink rc=$?"
e2fsck -fn $DISK1 > /tmp/fsck 2>&1; echo "e2fsck rc=$?"
cat /tmp/fsck
echo "@@end"
EOF
"$oracle" -o "$out/linux-out" "$out/encrypt.img" "$out/modules.img" "$out/scratch.img" -- "$out/guest.sh"
rm -f "$out/scratch.img" "$out/modules.img"
echo "made $out/encrypt.img; Linux's view: $out/linux-out/output.txt"
