#!/usr/bin/env bash
# Makes ext4 images whose hashed (htree) directories the Linux 6.1 kernel grew itself, for
# checking that jdax reads directories as Linux leaves them (dx_root/dx_node blocks, their
# dx_tail checksums, leaves split by hash). Not run by the tests: it boots the kernel with
# ../../../../../shared/oracle/linux-mount (about a minute), and the images are not committed.
#
#   make-htree-image.sh OUTDIR [NAMES] [LARGE_NAMES]
#
# OUTDIR gets htree-4k.img (4 KiB blocks: a one-level index), htree-1k.img (1 KiB blocks: two
# levels), with LARGE_NAMES > 0 also htree-large.img (1 KiB blocks, large_dir, long names: three
# levels), each with /big holding the names; names-<image>.txt lists what the kernel's readdir
# saw, htree-<image>.txt what debugfs htree_dump saw, and linux-out/ the oracle's output.
# Check them with: ./mvnw -pl fs-ext4 -am verify -Dtest=LinuxHtreeImagesTest -Djdax.htreeImages=OUTDIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
oracle=${JDAX_ORACLE:-$here/../../../../../shared/oracle/linux-mount}
[ -x "$oracle" ] || oracle=/work/shared/oracle/linux-mount
out=${1:?usage: make-htree-image.sh OUTDIR [NAMES] [LARGE_NAMES]}
names=${2:-3000}
large=${3:-0}
mkdir -p "$out"
imgs=(htree-4k htree-1k)
mke2fs -q -F -t ext4 -b 4096 "$out/htree-4k.img" 64M
mke2fs -q -F -t ext4 -b 1024 "$out/htree-1k.img" 64M
if [ "$large" -gt 0 ]; then
  mke2fs -q -F -t ext4 -b 1024 -O large_dir -N $((large + 1000)) "$out/htree-large.img" 256M
  imgs+=(htree-large)
fi

# The guest: per disk, create the names (some removed again, so leaves have gaps), list them
# through the kernel's readdir, dump the index with debugfs, unmount cleanly.
cat > "$out/guest.sh" <<EOF
i=1
for d in \$DISKS; do
  n=$names
  pad=name
  if [ \$i -eq 2 ]; then pad=\$(printf 'n%040d' 0); fi
  if [ \$i -eq 3 ]; then n=$large; pad=\$(printf 'n%0200d' 0); fi
  mount -t ext4 \$d /mnt || exit 1
  mkdir /mnt/big
  k=0
  while [ \$k -lt \$n ]; do
    : > /mnt/big/f\$k-\$pad-\$((k * 7919 % 10007))
    k=\$((k + 1))
  done
  k=0
  while [ \$k -lt \$n ]; do
    rm /mnt/big/f\$k-\$pad-\$((k * 7919 % 10007))
    k=\$((k + 13))
  done
  echo "@@names \$i"
  ls -a /mnt/big
  umount /mnt
  echo "@@htree \$i"
  debugfs -R "htree_dump /big" \$d 2>/dev/null | grep -E "(Root node dump|Indirect levels|Hash Version|Number of entries|Entry #)" | head -40
  i=\$((i + 1))
done
echo "@@end"
EOF
files=()
for i in "${imgs[@]}"; do files+=("$out/$i.img"); done
"$oracle" -o "$out/linux-out" "${files[@]}" -- "$out/guest.sh"

# Split the guest's output per image.
awk -v dir="$out" -v list="${imgs[*]}" '
  BEGIN { n = split(list, img, " ") }
  /^@@names / { f = dir "/names-" img[$2] ".txt"; next }
  /^@@htree / { f = dir "/htree-" img[$2] ".txt"; next }
  /^@@end/ { f = ""; next }
  f != "" { print > f }' "$out/linux-out/output.txt"
for i in "${imgs[@]}"; do
  echo "$i: $(grep -c . "$out/names-$i.txt") names listed by Linux; $(grep -m1 -o 'Indirect levels: [0-9]*' "$out/htree-$i.txt" || true)"
done
