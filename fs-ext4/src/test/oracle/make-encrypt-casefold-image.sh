#!/usr/bin/env bash
# Makes an ext4 image (-O encrypt,casefold) with a directory that is both casefolded and encrypted,
# filled by the Linux 6.1 kernel: its records carry each name's SipHash (of the plaintext, keyed by
# the directory's key) after the name, and Linux's no-key names take that stored hash. Records what
# Linux lists without the key. Not run by the tests: it boots the kernel with
# ../../../../../shared/oracle/linux-mount; the image is not committed. The output of the run the
# tests were written against is measured/encrypt-casefold-nokey-linux-6.1.txt. Check jdax with:
#   ./mvnw -pl fs-ext4 -am verify -Dtest=LinuxEncryptedImagesTest -Djdax.encryptCasefoldImages=OUTDIR
#
#   make-encrypt-casefold-image.sh OUTDIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
oracle=${JDAX_ORACLE:-$here/../../../../../shared/oracle/linux-mount}
[ -x "$oracle" ] || oracle=/work/shared/oracle/linux-mount
out=${1:?usage: make-encrypt-casefold-image.sh OUTDIR}
mkdir -p "$out"
mke2fs -q -F -t ext4 -b 4096 -O encrypt,casefold "$out/encf.img" 64M
# chattr +F needs a kernel and the guest has no chattr: the flag is set by debugfs on the empty directory.
debugfs -w -R "mkdir cf" "$out/encf.img"
debugfs -w -R "set_inode_field cf flags 0x40080000" "$out/encf.img"
. "$here/fscrypt-lib.sh"
fscrypt_modules_disk "$out/modules.img"
{ echo "$FSCRYPT_GUEST_SETUP"; cat; } > "$out/guest.sh" <<'EOF'
id=$(xfs_io -c add_enckey /mnt < /tmp/key | sed -n 's/.*identifier \([0-9a-f]*\).*/\1/p')
xfs_io -c "set_encpolicy $id" /mnt/cf || exit 1
k=0; while [ $k -lt 300 ]; do echo $k > /mnt/cf/Name-$k; k=$((k + 1)); done
echo "@@with-key"; cat /mnt/cf/NAME-7
sync; xfs_io -c "rm_enckey $id" /mnt; umount /mnt
mount -t ext4 $DISK1 /mnt || exit 1
echo "@@ls /mnt/cf"; ls /mnt/cf | sort
umount /mnt
e2fsck -fn $DISK1 > /tmp/f 2>&1; echo "@@e2fsck rc=$?"
EOF
"$oracle" -o "$out/linux-out" "$out/encf.img" "$out/modules.img" -- "$out/guest.sh"
rm -f "$out/modules.img"
