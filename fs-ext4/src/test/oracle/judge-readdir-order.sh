#!/usr/bin/env bash
# The kernel as the judge of the order jdax lists directories in: Linux 6.1's getdents order (busybox
# find, which lists as readdir returns) beside `jdax ls -U` of the same directories, on images made
# here: mke2fs -d (ext4: a root of 32 names in one block, listed by hash; a linear directory of 700
# names), jdax mkfs -d (jdax indexes the 700), mke2fs -O casefold with two casefolded directories
# (EXT4_CASEFOLD_FL set by debugfs, e2fsck -D then hashing them folded; one block and indexed), and
# mke2fs -t ext2 (fs/ext2's order is its records'; the guest's ext4 driver lists an ext2 image with
# dir_index by hash, so ext2 is listed here from a jdax ext2 image, which has no dir_index). Prints
# "same" or the first difference per directory. Not run by the tests: it boots the kernel. What it
# printed is kept in measured/readdir-order-linux-6.1.txt.
#
#   judge-readdir-order.sh
set -euo pipefail

oracle=${JDAX_ORACLE:-/work/shared/oracle/linux-mount}
jdax=${JDAX:-$(git rev-parse --show-toplevel)/jdax}
export PATH=/usr/sbin:/sbin:$PATH
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

mkdir -p src/big src/sub cf/cf cf/cfbig
for i in $(seq 1 30); do echo "$i" > "src/f$i"; done
for i in $(seq 1 700); do : > "src/big/name-$i"; done
for i in $(seq 1 5); do : > "src/sub/s$i"; done
for i in $(seq 1 40); do : > "cf/cf/Größe-$i-Ärger.TXT"; done
for i in $(seq 1 500); do : > "cf/cfbig/Zusätzlich-$i-STRASSE"; done

mke2fs -q -F -t ext4 -b 4096 -d src a.img 64m > /dev/null
"$jdax" mkfs -t ext4 -d src b.img 64m > /dev/null
mke2fs -q -F -t ext4 -b 4096 -O casefold -d cf c.img 64m > /dev/null
debugfs -w -R "set_inode_field /cf flags 0x40080000" c.img 2> /dev/null
debugfs -w -R "set_inode_field /cfbig flags 0x40080000" c.img 2> /dev/null
e2fsck -fyD c.img > /dev/null 2>&1 || [ $? -le 1 ]
"$jdax" mkfs -t ext2 -d src d.img 64m > /dev/null

dirs_of() {
  case $1 in
    c) echo "/ /cf /cfbig" ;;
    *) echo "/ /sub /big" ;;
  esac
}
for img in a b c d; do
  for dir in $(dirs_of $img); do
    "$jdax" ls -U "$img.img:$dir" > "jdax-$img-${dir//\//_}.txt"
  done
done

cat > guest.sh <<'GUEST'
n=0
for d in $DISKS; do
  n=$((n + 1))
  case $n in 1) img=a; dirs="/ /sub /big" ;; 2) img=b; dirs="/ /sub /big" ;; 3) img=c; dirs="/ /cf /cfbig" ;; 4) img=d; dirs="/ /sub /big" ;; esac
  mount -o ro $d /mnt || { echo "@@$img mount failed"; continue; }
  for dir in $dirs; do
    echo "@@$img $dir"
    find "/mnt$dir" -mindepth 1 -maxdepth 1 | sed 's|.*/||'
  done
  umount /mnt
done
GUEST
"$oracle" -o out --keep a.img b.img c.img d.img -- guest.sh > /dev/null 2>&1 || true
echo "# judge-readdir-order.sh: Linux $(head -c 60 out/kernel 2>/dev/null | tr -d '\n') under the oracle, $(date -u +%F)"
for d in /cf /cfbig; do
  echo "# c.img $d: $(debugfs -R "stat $d" c.img 2> /dev/null | grep -o 'Flags: 0x[0-9a-f]*') (EXT4_CASEFOLD_FL 0x40000000)"
done
awk '/^@@/ { f = "linux-" $1 "-" $2; gsub("@@", "", f); gsub("/", "_", f); f = f ".txt"; next } { print > f }' out/output.txt
for img in a b c d; do
  for dir in $(dirs_of $img); do
    want="linux-$img-${dir//\//_}.txt"
    got="jdax-$img-${dir//\//_}.txt"
    [ -f "$want" ] || : > "$want"
    if cmp -s "$want" "$got"; then
      echo "$img.img $dir: same ($(wc -l < "$got") names; first: $(head -3 "$got" | tr '\n' ' '))"
    else
      echo "$img.img $dir: DIFFERENT"
      diff "$want" "$got" | head -5
    fi
  done
done
