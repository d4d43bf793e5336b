#!/usr/bin/env bash
# Linux 6.1 replays logs jdax wrote: `jdax crash -t xfs --keep` saves crash states (the image a
# power failure at a fence of its workloads leaves, and NAME.durable: every file it promises as
# "PATH SIZE SHA256"); the oracle's guest mounts each (Linux's log recovery), checks that every
# promised file is there with its size and contents, unmounts it and runs xfs_repair -n.
#
#   fs-xfs/src/test/oracle/linux-replays-jdax.sh OUTDIR [STATES-PER-WORKLOAD (20) [SEED (3)]]
#
# OUTDIR gets the saved states, boot/output.txt (per image: "@@ NAME", "ok PATH" or "BAD PATH ...",
# "@@ repair NAME clean|NOT clean") and boot/dmesg.txt ("Starting recovery"/"Ending recovery"), and
# a summary on stdout. The images are replayed in place: keep a copy to look at them as jdax left them. The oracle is $LINUX_MOUNT, or ../shared/oracle/linux-mount beside the checkout.
set -euo pipefail
[ $# -ge 1 ] || { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
out=$(mkdir -p "$1" && cd "$1" && pwd)
per=${2:-20}
seed=${3:-3}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../../.." && pwd)
lm=${LINUX_MOUNT:-}
for c in "$repo/../shared/oracle/linux-mount" "$repo/../../shared/oracle/linux-mount"; do
  if [ -z "$lm" ] && [ -x "$c" ]; then lm=$c; fi
done
[ -n "$lm" ] || { echo "linux-replays-jdax: no linux-mount (set LINUX_MOUNT)" >&2; exit 2; }

rm -f "$out"/*.img "$out"/*.durable
"$repo/jdax" crash -t xfs --states "$per" --seed "$seed" --no-fsck --keep "$out" | tail -3
# States whose log is dirty (the others are a clean log left by mkfs or an unmount: nothing for
# Linux to replay); the guest has one virtio disk per image: at most 24 in one boot.
logprint=$(command -v xfs_logprint || echo /usr/sbin/xfs_logprint)
mapfile -t imgs < <(for img in "$out"/*.img; do
  "$logprint" -t "$img" 2>/dev/null | grep -q 'state: <DIRTY>' && echo "$img"; done | head -24)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
{
  echo 'n=0'
  for img in "${imgs[@]}"; do
    name=$(basename "$img" .img)
    echo "n=\$((n+1)); eval dev=\\\$DISK\$n; echo '@@ $name'"
    echo "if mount -t xfs \$dev /mnt; then"
    while read -r path size sha; do
      [ -n "$path" ] || continue
      echo "  if [ \"\$(stat -c %s '/mnt$path' 2>/dev/null)\" = $size ] && [ \"\$(sha256sum '/mnt$path' | cut -d' ' -f1)\" = $sha ]; then echo 'ok $path'; else echo 'BAD $path'; fi"
    done < "$out/$name.durable"
    echo "  umount /mnt"
    echo "  xfs_repair -n \$dev >/dev/null 2>&1 && echo '@@ repair $name clean' || echo '@@ repair $name NOT clean'"
    echo "else echo 'BAD $name does not mount'; fi"
  done
} > "$work/check.sh"
"$lm" -o "$out/boot" "${imgs[@]}" -- "$work/check.sh"
echo "${#imgs[@]} images; $(grep -c '^ok ' "$out/boot/output.txt") promised files intact," \
  "$(grep -c '^BAD' "$out/boot/output.txt") bad; $(grep -c '^@@ repair [^ ]* clean$' "$out/boot/output.txt") xfs_repair -n clean;" \
  "$(grep -c 'Ending recovery' "$out/boot/dmesg.txt") log recoveries by Linux"
