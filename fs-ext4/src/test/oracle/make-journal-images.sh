#!/usr/bin/env bash
# Makes ext3/ext4 images that the Linux 6.1 kernel left with a journal to replay — committed
# transactions not yet written home and, with -O fast_commit, fast commits after the last full
# commit — and what the kernel's own replay of each makes of it, for checking that jdax replays
# journals as Linux does (LinuxJournalImagesTest). Not run by the tests: it boots the kernel twice
# with ../../../../../shared/oracle/linux-mount (a minute or two), and the images are not committed.
#
#   make-journal-images.sh OUTDIR
#
# Boot 1 runs a workload on every image (a state made durable by sync, then changes each made
# durable by an fsync: with fast commits, those are fast commits) and shuts each file system down
# without flushing its log (xfs_io shutdown): the crash. OUTDIR/<name>.img is then the crashed image.
# Boot 2 mounts a copy of each (the kernel replays its journal, fast commits included) and lists
# it: OUTDIR/linux-<name>.txt, one line per path (see listing() below), and
# OUTDIR/e2fsck-<name>.txt what e2fsck -fn says of the kernel's replayed copy.
# Check them with:
#   ./mvnw -pl fs-ext4 -am verify -Dtest=LinuxJournalImagesTest -Djdax.journalImages=OUTDIR
#
#   make-journal-images.sh --judge-jdax OUTDIR KEPT
#
# The other way round: KEPT holds jdax's replays of the same images (NAME.jdax, left by
# LinuxJournalImagesTest with -Djdax.journalImages.keep=KEPT); the kernel mounts each (on a
# throwaway overlay) and lists it. Each listing must equal OUTDIR/before-NAME.txt, and the kernel
# must find no journal to recover (jdax's replay left it empty). Prints one line per image.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
oracle=${JDAX_ORACLE:-$here/../../../../../shared/oracle/linux-mount}
[ -x "$oracle" ] || oracle=/work/shared/oracle/linux-mount
# What every boot prints of a mounted file system: path, then for a file its type, size, links,
# mode, 512-byte blocks and md5; for a directory its links and mode; for a symlink its target.
listing='
listing() {
  cd /mnt
  find . | sort | while read -r p; do
    if [ -L "$p" ]; then echo "$p l $(readlink "$p")"
    elif [ -d "$p" ]; then echo "$p d $(stat -c "%h %a" "$p")"
    else echo "$p f $(stat -c "%s %h %a %b" "$p") $(md5sum < "$p" | cut -d" " -f1)"; fi
  done
  cd /
}'

if [ "${1:-}" = --judge-jdax ]; then
  out=${2:?usage: make-journal-images.sh --judge-jdax OUTDIR KEPT}; kept=${3:?usage: make-journal-images.sh --judge-jdax OUTDIR KEPT}
  imgs=("$kept"/*.jdax)
  judge=$(mktemp -d)
  trap 'rm -rf "$judge"' EXIT
  {
    echo "$listing"
    echo 'i=0'
    echo 'for d in $DISKS; do'
    echo '  i=$((i + 1)); echo "@@jdax $i"; dmesg -c > /dev/null'
    echo '  mount -t ext4 $d /mnt || { echo "mount failed"; continue; }'
    echo '  listing; umount /mnt'
    echo '  dmesg | grep -q "recovery complete" && echo "@@recovered"'
    echo 'done'
    echo 'echo "@@end"'
  } > "$judge/judge.sh"
  "$oracle" --keep -o "$judge/out" "${imgs[@]}" -- "$judge/judge.sh" > /dev/null
  awk -v dir="$judge" '/^@@jdax / { f = dir "/" $2 ".txt"; next } /^@@end/ { f = ""; next } f != "" { print > f }' \
    "$judge/out/output.txt"
  i=0
  for img in "${imgs[@]}"; do
    i=$((i + 1)); n=$(basename "$img" .jdax)
    rec=$(grep -c "^@@recovered" "$judge/$i.txt" || true); sed -i '/^@@recovered/d' "$judge/$i.txt"
    cmp -s "$out/before-$n.txt" "$judge/$i.txt" && same="as before the crash" || same="DIFFERS from before the crash"
    [ "$rec" = 0 ] && j="no journal left to recover" || j="the kernel recovered a journal"
    echo "$n: Linux lists jdax's replay $same ($(grep -c . "$judge/$i.txt") paths); $j"
  done
  exit 0
fi
out=${1:?usage: make-journal-images.sh OUTDIR}
mkdir -p "$out"

# name | mke2fs arguments | size | extra workload (many: hundreds of commits, so the log wraps)
images=(
  "jnl-4k|-t ext4 -b 4096|64M|"
  "jnl-1k|-t ext4 -b 1024|64M|"
  "jnl-4k-nocsum|-t ext4 -b 4096 -O ^metadata_csum|64M|"
  "jnl-1k-wrap|-t ext4 -b 1024 -J size=1|32M|many"
  "ext3-4k|-t ext3 -b 4096|64M|"
  "ext3-1k|-t ext3 -b 1024 -J size=1|32M|many"
  "fc-4k|-t ext4 -b 4096 -O fast_commit|64M|"
  "fc-1k|-t ext4 -b 1024 -O fast_commit|64M|"
  "fc-4k-nocsum|-t ext4 -b 4096 -O fast_commit,^metadata_csum|64M|"
  "fc-4k-many|-t ext4 -b 4096 -O fast_commit|64M|many"
)
names=(); extras=()
for spec in "${images[@]}"; do
  IFS='|' read -r name args size extra <<<"$spec"
  # shellcheck disable=SC2086
  mke2fs -q -F $args "$out/$name.img" "$size"
  names+=("$name"); extras+=("${extra:-none}")
done


cat > "$out/crash.sh" <<EOF
$listing
set -- ${extras[*]}
i=0
for d in \$DISKS; do
  i=\$((i + 1)); extra=\$1; shift
  mount -t ext4 -o commit=600 \$d /mnt || exit 1
  mkdir /mnt/keep /mnt/d /mnt/r
  xfs_io -f -c "pwrite -q -S 0x11 0 40k" /mnt/keep/big
  xfs_io -f -c "pwrite -q -S 0x12 0 3000" /mnt/keep/small
  xfs_io -f -c "pwrite -q -S 0x13 0 9000" /mnt/keep/victim
  ln /mnt/keep/small /mnt/keep/small-link
  xfs_io -f -c "pwrite -q -S 0x14 0 100k" /mnt/keep/shrink
  echo moved > /mnt/keep/renamed-from
  k=0; while [ \$k -lt 40 ]; do mkdir /mnt/r/x\$k; echo \$k > /mnt/r/x\$k/f; k=\$((k + 1)); done
  sync
  # Changes Linux makes durable with a full commit even with fast commits on: directory fsyncs, a
  # symlink (its data is journalled), and with "many" hundreds of commits, so the log wraps (and
  # the fast-commit area fills up and falls back to full commits).
  rm -r /mnt/r/x1 /mnt/r/x2 /mnt/r/x3; xfs_io -c fsync /mnt/r
  ln -s ../keep/big /mnt/d/sym; xfs_io -c fsync /mnt/d
  if [ \$extra = many ]; then
    k=0
    while [ \$k -lt 175 ]; do
      xfs_io -f -c "pwrite -q -S \$((k % 200 + 1)) 0 \$((k * 37 % 5000 + 1))" -c fsync /mnt/d/m\$((k % 30))
      k=\$((k + 1))
    done
  fi
  # From here on every change is made durable by a file's fsync: a fast commit where the feature
  # is on (a name's changes go with any file's fast commit).
  xfs_io -f -c "pwrite -q -S 0x21 0 20000" -c fsync /mnt/d/new
  xfs_io -c "pwrite -q -S 0x22 8k 8k" -c fsync /mnt/keep/big
  xfs_io -c "pwrite -q -S 0x23 40k 30k" -c fsync /mnt/keep/big
  xfs_io -c "truncate 5000" -c fsync /mnt/keep/shrink
  ln /mnt/d/new /mnt/keep/new-link; xfs_io -c fsync /mnt/keep/new-link
  rm /mnt/keep/small-link; xfs_io -c fsync /mnt/keep/small
  mv /mnt/keep/renamed-from /mnt/d/renamed-to; xfs_io -c fsync /mnt/d/renamed-to
  rm /mnt/keep/victim; rm -r /mnt/r/x4; xfs_io -c fsync /mnt/keep/small
  mkdir /mnt/d/sub; xfs_io -f -c "pwrite -q -S 0x24 0 5000" -c fsync /mnt/d/sub/f
  xfs_io -f -c "pwrite -q -S 0x25 0 300k" -c fsync /mnt/d/large
  xfs_io -c "fpunch 4k 8k" -c fsync /mnt/keep/big
  xfs_io -f -c "falloc 0 64k" -c "pwrite -q -S 0x26 0 100" -c fsync /mnt/d/falloc 2>/dev/null
  xfs_io -c "pwrite -q -S 0x27 100 10" -c fdatasync /mnt/d/falloc
  echo "@@fc_info \$i"
  cat /proc/fs/ext4/\${d#/dev/}/fc_info 2>/dev/null | grep -v ":.0$"
  echo "@@before \$i"
  listing
  # The crash: the journal stops where it is (shutdown without flushing the log: nothing more is
  # committed, not even at the power-off that follows).
  xfs_io -x -c shutdown /mnt
done
echo "@@end"
EOF

"$oracle" -o "$out/crash-out" $(for n in "${names[@]}"; do echo "$out/$n.img"; done) -- "$out/crash.sh"
for n in "${names[@]}"; do cp "$out/$n.img" "$out/$n.kernel"; done

cat > "$out/replay.sh" <<EOF
$listing
i=0
for d in \$DISKS; do
  i=\$((i + 1))
  echo "@@linux \$i"
  mount -t ext4 \$d /mnt || { echo "mount failed"; continue; }
  listing
  umount /mnt
done
echo "@@end"
EOF
"$oracle" -o "$out/replay-out" $(for n in "${names[@]}"; do echo "$out/$n.kernel"; done) -- "$out/replay.sh"

awk -v dir="$out" -v list="${names[*]}" '
  BEGIN { n = split(list, img, " ") }
  /^@@linux / { f = dir "/linux-" img[$2] ".txt"; next }
  /^@@end/ { f = ""; next }
  f != "" { print > f }' "$out/replay-out/output.txt"
awk -v dir="$out" -v list="${names[*]}" '
  BEGIN { n = split(list, img, " ") }
  /^@@before / { f = dir "/before-" img[$2] ".txt"; next }
  /^@@fc_info / { f = dir "/fc-info-" img[$2] ".txt"; next }
  /^@@end/ { f = ""; next }
  f != "" { print > f }' "$out/crash-out/output.txt"
for n in "${names[@]}"; do
  e2fsck -fn "$out/$n.kernel" > "$out/e2fsck-$n.txt" 2>&1 && s=clean || s="exit $?"
  rm -f "$out/$n.kernel"
  same=$(cmp -s "$out/before-$n.txt" "$out/linux-$n.txt" && echo "same as before the crash" || echo "differs from before the crash")
  echo "$n: $(grep -c . "$out/linux-$n.txt") paths after the kernel's replay ($same), e2fsck of it: $s"
done
