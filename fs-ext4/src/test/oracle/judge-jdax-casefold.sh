#!/usr/bin/env bash
# The kernel as the judge of a casefolded directory jdax wrote: Linux 6.1 mounts the image, looks
# names up under other spellings (ß as ss, Ä as ä, any case), creates a name that folds to an
# existing one (it must stay one name), adds 1,500 names through jdax's folded-hash index, checks
# that a default-ignorable code point (U+200D) is dropped by its folding and that strict mode
# refuses invalid UTF-8; e2fsck -fn runs in the guest. Not run by the tests: it boots the kernel.
# What it printed is kept in measured/jdax-casefold-linux-6.1.txt.
#
#   judge-jdax-casefold.sh A.img   (the image CasefoldTest leaves: /cf casefolded, strict mode)
#
# The image of the measured run: CasefoldTest.namesFoldInACasefoldedDirectoryAndKeepTheirCase's
# image after jdax's writes (mke2fs -t ext4 -b 4096 -O casefold -E encoding_flags=strict -d, 300
# names "Größe-<i>-Ärger.TXT" in /cf indexed by e2fsck -D, then jdax's 2,000 "Zusätzlich-<i>-STRASSE"
# with every third removed, "New-Name" and "Sub/Inner").
set -euo pipefail

oracle=${JDAX_ORACLE:-/work/shared/oracle/linux-mount}
guest=$(mktemp)
cat > "$guest" <<'GUEST'
mount -t ext4 $DISK1 /mnt || exit 1
cd /mnt/cf
echo "@@before: $(ls | wc -l) names"
stat -c '%i %n' 'Größe-7-Ärger.TXT' 'GRÖSSE-7-ärger.txt' 'zusätzlich-1-straße' 'ZUSÄTZLICH-1-strasse' 'new-name' 'sub/INNER'
touch 'grösse-7-ärger.TXT'
echo "@@names with e-7-: $(ls | grep -ic 'e-7-')"
i=0
while [ $i -lt 1500 ]; do touch "KernelName-$i-Äß"; i=$((i + 1)); done
stat -c '%i %n' 'kernelname-77-äss' 'Zusätzlich-1999-STRASSE'
touch "$(printf 'a\342\200\215b')"
echo "@@U+200D: $(stat -c '%i' ab) $(stat -c '%i' "$(printf 'a\342\200\215b')")"
touch "$(printf 'bad\377name')" 2>&1 || echo "@@invalid UTF-8 refused, rc=$?"
echo "@@after: $(ls | wc -l) names"
cd /
umount /mnt
e2fsck -fn $DISK1 > /tmp/fsck.txt 2>&1; echo "@@e2fsck rc=$?"; tail -3 /tmp/fsck.txt
dmesg | grep -i -E "ext4|utf8|encoding" | tail -10
GUEST
"$oracle" -o "${OUT:-linux-mount-out}" "$@" -- "$guest"
