#!/bin/sh
# /init of measure-ext-scenarios.sh's guest: linux-xfsio's guest (../../../../../shared/oracle/
# guest-init.sh) for scenarios that carry "# mke2fs: ARGS": the file system is made by
# "mke2fs -F -q -b 4096 ARGS DEV BLOCKS" (ARGS name the type with -t) and the mount is part of what
# is measured. A refused mount is recorded as the scenario's output: "mount: STRERROR", then the
# kernel's ext4 messages of that mount ("EXT4-fs: ..."); xfs_io does not run.
export PATH=/bin:/sbin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
mkdir -p /dev/pts; mount -t devpts devpts /dev/pts
CFG=$(sed -n 's/.*oracle_cfg=\([^ ]*\).*/\1/p' /proc/cmdline)
stty -F /dev/ttyS1 raw -echo 2>/dev/null
OUT=/dev/ttyS1; DEV=/dev/pmem0; MNT=/mnt
log() { echo "[oracle] $*" > /dev/console; }
emit() { echo "$*" > $OUT; }
ins() { insmod /lib/modules/$1.ko 2>/dev/console || log "insmod $1 failed"; }
finish() { xfsio-run --clear-badblocks $DEV 2>/dev/console; emit "@@DONE $CFG"; sync; poweroff -f; }

# quota_v2 for the quota feature: without it the mount fails with ESRCH (find_quota_format)
for m in libnvdimm nd_btt nd_pmem nd_e820 crc16 mbcache crc32c-intel crc32c_generic jbd2 quota_tree quota_v2 ext4; do
  ins $m
done
case "$CFG" in
  ext4)                OPTS=dax ;;
  ext4-dioread_nolock) OPTS=dax,dioread_nolock ;;
  *) emit "@@FATAL $CFG unknown-configuration"; finish ;;
esac
i=0; while [ ! -b $DEV ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
[ -b $DEV ] || { emit "@@FATAL $CFG no-pmem-device"; finish; }
emit "@@INFO $CFG uname $(uname -r)"

for f in /scenarios/*.xfsio; do
  [ -f "$f" ] || continue
  name=$(basename $f .xfsio)
  size=$(sed -n 's/^# fs-size: *\([0-9]*[kmgKMG]\).*/\1/p' $f | head -1); [ -n "$size" ] || size=320m
  opts=$(sed -n 's/^# mount-options: *//p' $f | head -1); [ -n "$opts" ] || opts=$OPTS
  args=$(sed -n 's/^# mke2fs: *//p' $f | head -1)
  [ -n "$args" ] || { emit "@@MISSING $CFG $name no-mke2fs-header"; continue; }
  n=${size%?}
  case $size in *k|*K) bytes=$((n*1024)) ;; *m|*M) bytes=$((n*1048576)) ;; *) bytes=$((n*1073741824)) ;; esac
  log "=== $CFG $name (mke2fs $args, fs-size $size, -o $opts)"
  xfsio-run --clear-badblocks $DEV 2>/dev/console || { emit "@@MISSING $CFG $name poison-not-cleared"; continue; }
  /sbin/mke2fs -F -q -b 4096 $args $DEV $((bytes/4096)) > /dev/console 2>&1 \
    || { emit "@@MISSING $CFG $name mkfs-failed"; continue; }
  if [ "$opts" = none ]; then mnt="mount -t ext4 $DEV $MNT"; else mnt="mount -t ext4 -o $opts $DEV $MNT"; fi
  dmesg -c > /dev/null
  if ! $mnt 2> /tmp/mount.err; then
    sed 's/^mount: mounting .* failed: /mount: /' /tmp/mount.err > /tmp/out
    dmesg | sed -n 's/^\[[^]]*\] *//; s/^EXT4-fs ([^)]*): /EXT4-fs: /p' >> /tmp/out
    emit "@@BEGIN $CFG $name"; base64 < /tmp/out > $OUT; emit "@@END $CFG $name $(wc -c < /tmp/out)"
    continue
  fi
  XFSIO_TIMEOUT=150 timeout 400 xfsio-run $f $MNT/file > /tmp/out 2>/dev/console
  rc=$?
  cd /; sync
  umount $MNT 2>/dev/console || { sleep 1; umount $MNT 2>/dev/console; }
  if [ $rc = 0 ]; then
    emit "@@BEGIN $CFG $name"; base64 < /tmp/out > $OUT; emit "@@END $CFG $name $(wc -c < /tmp/out)"
  else
    emit "@@MISSING $CFG $name xfsio-run-rc=$rc"
  fi
  grep -q " $MNT " /proc/mounts && { emit "@@FATAL $CFG umount-failed-after-$name"; break; }
done
finish
