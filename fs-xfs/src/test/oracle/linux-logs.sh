#!/usr/bin/env bash
# Makes XFS images whose logs Linux 6.1 wrote, for LinuxLogsReplayTest: one image per workload,
# made by this machine's mkfs.xfs, the workload run in the oracle's guest and the file system then
# shut down with its log flushed (xfs_io -x -c "shutdown -f"), so that the log holds committed
# transactions whose metadata is not home. A second boot lets Linux replay a copy of each and
# lists what its replay gives; that listing is what jdax's replay must give.
#
#   fs-xfs/src/test/oracle/linux-logs.sh OUTDIR [WORKLOAD...]
#   ./mvnw -pl fs-xfs -am install -Dtest=LinuxLogsReplayTest -Djdax.xfs.linuxLogs=OUTDIR
#
# Without WORKLOADs, all of them. OUTDIR gets NAME.img (the crashed image, sparse, 300 MiB), NAME.expected (Linux's listing after
# its own replay: "d PATH", "f PATH SIZE SHA256", "l PATH TARGET") and the two boots' outputs.
# The oracle is found as $LINUX_MOUNT, or ../shared/oracle/linux-mount beside the checkout.
set -euo pipefail
[ $# -ge 1 ] || { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
out=$(mkdir -p "$1" && cd "$1" && pwd)
shift
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../../.." && pwd)
lm=${LINUX_MOUNT:-}
for c in "$repo/../shared/oracle/linux-mount" "$repo/../../shared/oracle/linux-mount"; do
  if [ -z "$lm" ] && [ -x "$c" ]; then lm=$c; fi
done
[ -n "$lm" ] || { echo "linux-logs: no linux-mount (set LINUX_MOUNT)" >&2; exit 2; }
mkfs=$(command -v mkfs.xfs || echo /usr/sbin/mkfs.xfs)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Not among them: XFS_IOC_SWAPEXT of two files whose forks are B+trees, then the shutdown. Linux
# 6.1's own replay refused that log twice out of two (xfs_dinode_verify of the swapped inode,
# EUCLEAN), so there is no listing of Linux's to compare with; jdax replays it to an image
# xfs_repair -n finds clean.
workloads=(creates unlinks renames truncate bmbt links tree unlinked appends reflink cow clonecut cowcut rmcut)
[ $# -eq 0 ] || workloads=("$@")
imgs=()
for w in "${workloads[@]}"; do
  rm -f "$out/$w.img" "$out/$w.expected"
  truncate -s 300m "$out/$w.work"
  "$mkfs" -q -f "$out/$w.work"
  imgs+=("$out/$w.work")
done

# Boot 1: each workload on its own disk, in the order above, then the forced shutdown.
{ echo "workloads='${workloads[*]}'"; cat <<'GUEST'
n=0
for w in $workloads; do
  n=$((n+1)); eval dev=\$DISK$n; m=/mnt/$w; mkdir -p $m
  mount -t xfs $dev $m || { echo "$w: mount failed"; continue; }
  case $w in
  creates)
    mkdir $m/d; i=0
    while [ $i -lt 300 ]; do echo "file $i" > $m/d/f$i; i=$((i+1)); done
    dd if=/dev/urandom of=$m/big bs=64k count=40 2>/dev/null
    sync
    mkdir $m/after; echo "after the sync" > $m/after/note ;;
  unlinks)
    mkdir $m/u; i=0
    while [ $i -lt 200 ]; do dd if=/dev/urandom of=$m/u/f$i bs=4k count=$((i % 7 + 1)) 2>/dev/null; i=$((i+1)); done
    sync
    i=0; while [ $i -lt 200 ]; do rm $m/u/f$i; i=$((i+2)); done
    rm -f $m/u/f101 $m/u/f103 ;;
  renames)
    mkdir $m/a $m/b; i=0
    while [ $i -lt 60 ]; do echo "r $i" > $m/a/r$i; i=$((i+1)); done
    sync
    i=0; while [ $i -lt 60 ]; do mv $m/a/r$i $m/b/moved$i; i=$((i+3)); done
    mv $m/a/r1 $m/a/r2; mv $m/b $m/a/b; echo new > $m/a/r4 ;;
  truncate)
    dd if=/dev/urandom of=$m/t bs=64k count=16 2>/dev/null
    dd if=/dev/urandom of=$m/p bs=64k count=16 2>/dev/null
    sync
    truncate -s 100000 $m/t; truncate -s 300000 $m/t
    xfs_io -c "fpunch 8k 40k" -c "falloc 2m 1m" -c "fzero 100k 20k" $m/p
    xfs_io -f -c "falloc 0 4m" -c "pwrite -S 0x5a 1m 8k" $m/prealloc >/dev/null ;;
  bmbt)
    i=0
    while [ $i -lt 1600 ]; do echo $((i * 4096)); i=$((i+2)); done > /tmp/offs
    xfs_io -f -c "pwrite -S 0x11 0 4k" $m/frag >/dev/null
    sync
    set --
    while read o; do set -- "$@" -c "pwrite -S 0x22 $o 4k"; done < /tmp/offs
    xfs_io "$@" -c fsync $m/frag >/dev/null ;;
  links)
    echo target > $m/t
    ln -s t $m/short
    long=$(i=0; while [ $i -lt 60 ]; do printf 'a-long-path-part'; i=$((i+1)); done)
    ln -s "$long" $m/long
    ln $m/t $m/hard1; ln $m/t $m/hard2
    sync
    rm $m/hard1; ln -s /somewhere/else $m/abs ;;
  tree)
    mkdir -p $m/x/y/z/w; i=0
    while [ $i -lt 40 ]; do mkdir $m/x/d$i; echo $i > $m/x/d$i/file; i=$((i+1)); done
    sync
    i=0; while [ $i -lt 40 ]; do rm $m/x/d$i/file; rmdir $m/x/d$i; i=$((i+4)); done
    mv $m/x/y $m/moved-y ;;
  unlinked)
    dd if=/dev/urandom of=$m/keep bs=64k count=4 2>/dev/null
    sync
    exec 3>$m/held
    dd if=/dev/urandom bs=64k count=8 2>/dev/null >&3
    rm $m/held
    echo "still here" > $m/visible ;;
  appends)
    i=0
    while [ $i -lt 40 ]; do xfs_io -f -c "pwrite -S 0x$((i % 9 + 1))$((i % 9 + 1)) $((i * 777)) 777" -c fsync $m/log >/dev/null; i=$((i+1)); done ;;
  reflink)
    dd if=/dev/urandom of=$m/src bs=64k count=16 2>/dev/null
    cp $m/src $m/twin
    sync
    xfs_io -f -c "reflink $m/src" $m/whole >/dev/null
    xfs_io -f -c "pwrite -S 0x66 0 512k" -c "reflink $m/src 64k 128k 256k" $m/part >/dev/null
    xfs_io -c "dedupe $m/src 0 0 512k" $m/twin >/dev/null ;;
  cow)
    dd if=/dev/urandom of=$m/src bs=64k count=16 2>/dev/null
    xfs_io -f -c "reflink $m/src" $m/clone >/dev/null
    xfs_io -f -c "reflink $m/src" $m/second >/dev/null
    sync
    xfs_io -c "pwrite -S 0x44 4k 8k" -c fsync $m/clone >/dev/null
    xfs_io -c "pwrite -S 0x55 200k 100k" -c fsync $m/src >/dev/null
    rm $m/second
    xfs_io -c "funshare 0 64k" $m/clone ;;
  clonecut)
    seq 0 2 11999 | awk '{ print "pwrite -S 0x22 " $1 * 4096 " 4k" }' > /tmp/cmds
    echo fsync >> /tmp/cmds
    xfs_io -f $m/src < /tmp/cmds >/dev/null
    sync
    xfs_io -f -c "reflink $m/src" $m/dst >/dev/null 2>&1 &
    sleep 0.5
    xfs_io -x -c "shutdown -f" $m
    wait $!
    echo "$w: shut down during the clone (its exit status $?)"
    continue ;;
  cowcut)
    xfs_io -f -c "pwrite -S 0x31 -b 1m 0 32m" -c fsync $m/src >/dev/null
    xfs_io -f -c "reflink $m/src" $m/dst >/dev/null
    sync
    xfs_io -d -c "pwrite -S 0x77 -b 4k 0 32m" $m/dst >/dev/null 2>&1 &
    sleep 1
    xfs_io -x -c "shutdown -f" $m
    wait $!
    echo "$w: shut down during the writes over the clone (their exit status $?)"
    continue ;;
  rmcut)
    seq 0 2 15999 | awk '{ print "pwrite -S 0x44 " $1 * 4096 " 4k" }' > /tmp/cmds
    echo fsync >> /tmp/cmds
    xfs_io -f $m/src < /tmp/cmds >/dev/null
    xfs_io -f -c "reflink $m/src" $m/dst >/dev/null
    sync
    rm $m/src
    sleep 0.5
    xfs_io -x -c "shutdown -f" $m
    echo "$w: shut down while the removed file's shared blocks went"
    continue ;;
  esac
  xfs_io -x -c "shutdown -f" $m
  echo "$w: shut down"
done
GUEST
} > "$work/crash.sh"
"$lm" -o "$out/boot1" "${imgs[@]}" -- "$work/crash.sh"

# The crashed images, kept before Linux replays a copy of each.
for w in "${workloads[@]}"; do
  cp --sparse=always "$out/$w.work" "$out/$w.img"
done

# Boot 2: Linux's own replay of each, its listing, xfs_repair -n after; and what a read-only mount
# of a dirty log does (the first image again, mounted ro, then xfs_logprint).
cp --sparse=always "$out/${workloads[0]}.img" "$out/ro-probe.work"
{ echo "workloads='${workloads[*]}'"; cat <<'GUEST'
n=0
for w in $workloads; do
  n=$((n+1)); eval dev=\$DISK$n; m=/mnt/$w; mkdir -p $m
  echo "@@ $w"
  mount -t xfs $dev $m || { echo "$w: mount failed"; continue; }
  cd $m
  find . -type d | sort | sed 's/^/d /'
  find . -type f | sort | while read f; do echo "f $f $(stat -c %s "$f") $(sha256sum "$f" | cut -d' ' -f1)"; done
  find . -type l | sort | while read f; do echo "l $f $(readlink "$f")"; done
  cd /
  umount $m
  xfs_repair -n $dev >/dev/null 2>&1 && echo "@@ repair $w clean" || echo "@@ repair $w NOT clean"
done
echo "@@ ro-probe"
eval probe=\$DISK$((n+1))
mkdir -p /mnt/ro; mount -t xfs -o ro $probe /mnt/ro && ls /mnt/ro && umount /mnt/ro
xfs_logprint -t $probe | grep state
GUEST
} > "$work/list.sh"
"$lm" -o "$out/boot2" "${imgs[@]}" "$out/ro-probe.work" -- "$work/list.sh"

awk -v dir="$out" '/^@@ [a-z]+$/ { f = dir "/" $2 ".expected"; next } /^@@/ { f = ""; next } f { print > f }' \
  "$out/boot2/output.txt"
rm -f "$out"/*.work
grep -h "@@ repair\|state" "$out/boot2/output.txt" || true
grep -h "Starting recovery\|Ending recovery" "$out/boot2/dmesg.txt" | wc -l | sed 's/$/ recoveries logged by Linux/'
ls -la "$out"
