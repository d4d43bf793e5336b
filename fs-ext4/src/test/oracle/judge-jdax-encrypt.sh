#!/usr/bin/env bash
# The kernel, with the key, as the judge of an encrypted image jdax changed without it: a copy of
# make-encrypt-image.sh's encrypt.img where jdax (`jdax rm`, `jdax cp`, `jdax mkdir`) unlinked a
# no-key name in /enc2 and wrote outside the encrypted directories. Linux 6.1 adds the key and
# must find every file's bytes as it wrote them (the md5sums of the generator's "@@with-key"),
# the symlinks' targets, the one name left in /enc2, jdax's plain files, and e2fsck -fn clean.
# Not run by the tests: it boots the kernel. What it printed is kept in
# measured/jdax-encrypt-linux-6.1.txt.
#
#   judge-jdax-encrypt.sh OUTDIR        (the OUTDIR of make-encrypt-image.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../../.." && pwd)
oracle=${JDAX_ORACLE:-$here/../../../../../shared/oracle/linux-mount}
[ -x "$oracle" ] || oracle=/work/shared/oracle/linux-mount
out=${1:?usage: judge-jdax-encrypt.sh OUTDIR}
img=$out/jdax-written.img
cp "$out/encrypt.img" "$img"
victim=$("$repo/jdax" ls "$img:/enc2" | head -1)
"$repo/jdax" rm "$img:/enc2/$victim"
echo "written by jdax" > "$out/plain.txt"
"$repo/jdax" mkdir "$img:/plain/jdax"
"$repo/jdax" cp "$out/plain.txt" "$img:/plain/jdax/file"
e2fsck -fn "$img"
. "$here/fscrypt-lib.sh"
fscrypt_modules_disk "$out/modules.img"
guest=$(mktemp)
{ echo "$FSCRYPT_GUEST_SETUP"; cat; } > "$guest" <<'GUEST'
xfs_io -c add_enckey /mnt < /tmp/key
md5sum /mnt/enc/small /mnt/enc/big /mnt/enc/sub/inner
for l in short-link long-link; do echo "$l -> $(readlink /mnt/enc/$l)"; done
echo "@@enc2: $(ls /mnt/enc2)"
echo "@@many: $(ls /mnt/enc/many | wc -l)"
cat /mnt/plain/jdax/file /mnt/plain/file
cd /; umount /mnt
e2fsck -fn $DISK1 > /tmp/fsck 2>&1; echo "@@e2fsck rc=$?"; tail -1 /tmp/fsck
GUEST
"$oracle" -o "$out/judge-out" "$img" "$out/modules.img" -- "$guest"
rm -f "$out/modules.img"
