#!/usr/bin/env bash
# The kernel as the judge of the fscrypt policies jdax sets: an mke2fs -O encrypt image whose empty
# directories /d and /d2 took v1 policies through jdax's xfs_io (set_encpolicy: the defaults with a
# descriptor, and AES-128-CBC/CTS with 4-byte padding), then Linux 6.1 reads them with its own
# xfs_io (get_encpolicy), refuses a create in /d without the key (ENOKEY) and e2fsck -fn runs in the
# guest. Not run by the tests: it boots the kernel. What it printed (2026-12-08) is kept in
# measured/jdax-encpolicy-linux-6.1.txt; the same guest's xfs_io on contexts debugfs put in (as
# EncryptionPoliciesTest puts them) printed what jdax's prints, ENODATA, EINVAL and EEXIST alike.
#
#   judge-jdax-encpolicy.sh JDAX   (JDAX: the ./jdax launcher of a built checkout)
set -euo pipefail

jdax=${1:?usage: judge-jdax-encpolicy.sh JDAX}
oracle=${JDAX_ORACLE:-/work/shared/oracle/linux-mount}
work=$(mktemp -d)
mkdir -p "$work/tree/d" "$work/tree/d2"
mke2fs -q -F -t ext4 -O encrypt -d "$work/tree" "$work/e.img" 64M
"$jdax" io "$work/e.img:/d" -c "set_encpolicy 0102030405060708" -c get_encpolicy
"$jdax" io "$work/e.img:/d2" -c "set_encpolicy -c AES-128-CBC -n AES-128-CTS -f 1 a0a1a2a3a4a5a6a7"
guest=$work/guest.sh
cat > "$guest" <<'GUEST'
mount -t ext4 $DISK1 /mnt || exit 1
for f in /mnt/d /mnt/d2; do xfs_io -c "get_encpolicy" $f 2>&1; done
touch /mnt/d/new 2>&1; echo "touch: $?"
umount /mnt
e2fsck -fn $DISK1 > /tmp/fsck.txt 2>&1; echo "e2fsck: $?"
GUEST
"$oracle" -o "${OUT:-linux-mount-out}" --keep "$work/e.img" -- "$guest"
