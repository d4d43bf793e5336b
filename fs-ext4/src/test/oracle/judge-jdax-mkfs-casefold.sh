#!/usr/bin/env bash
# The kernel as the judge of a casefold file system jdax's mkfs made: `jdax mkfs -t ext4 -O casefold
# -E encoding_flags=strict`, a directory given EXT4_CASEFOLD_FL by debugfs (chattr +F needs a
# kernel), 50 names written by jdax; Linux 6.1 mounts it (which encoding its log says), finds the
# names under other spellings, refuses invalid UTF-8 (strict), adds a name of its own, and e2fsck
# -fn runs in the guest. Not run by the tests: it boots the kernel.
# What it printed is kept in measured/jdax-mkfs-casefold-linux-6.1.txt.
#
#   judge-jdax-mkfs-casefold.sh WORKDIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../../.." && pwd)
oracle=${JDAX_ORACLE:-$here/../../../../../shared/oracle/linux-mount}
[ -x "$oracle" ] || oracle=/work/shared/oracle/linux-mount
work=${1:?usage: judge-jdax-mkfs-casefold.sh WORKDIR}
mkdir -p "$work"
img=$work/jdax-casefold.img
"$repo/jdax" mkfs -t ext4 -O casefold -E encoding_flags=strict "$img" 64m
"$repo/jdax" mkdir "$img:/cf"
debugfs -w -R "set_inode_field cf flags 0x40080000" "$img"
echo "jdax wrote this" > "$work/Straße"
"$repo/jdax" cp "$work/Straße" "$img:/cf/Straße"
for i in $(seq 0 49); do "$repo/jdax" cp "$work/Straße" "$img:/cf/Größe-$i-Ärger.TXT" > /dev/null; done
e2fsck -fn "$img"
guest=$(mktemp)
cat > "$guest" <<'GUEST'
mount -t ext4 $DISK1 /mnt || exit 1
dmesg | grep -i -E "encoding|utf8" | sed 's/^\[[^]]*\] //'
cd /mnt/cf
echo "@@names: $(ls | wc -l)"
cat STRASSE strasse
stat -c '%i' 'Größe-7-Ärger.TXT' 'GRÖSSE-7-ärger.txt' 'grösse-49-ÄRGER.txt'
touch "$(printf 'bad\377name')" 2>&1 || echo "@@invalid UTF-8 refused, rc=$?"
touch KernelName && ls kernelname KERNELNAME
echo "@@names: $(ls | wc -l)"
cd /
umount /mnt
e2fsck -fn $DISK1 > /tmp/fsck.txt 2>&1; echo "@@e2fsck rc=$?"; tail -2 /tmp/fsck.txt
GUEST
"$oracle" -o "$work/linux-out" "$img" -- "$guest"
