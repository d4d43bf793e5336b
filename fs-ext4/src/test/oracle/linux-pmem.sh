#!/usr/bin/env bash
# Runs a shell script on the Linux 6.1 kernel of ../../../../../shared/oracle with emulated
# persistent memory (/dev/pmem0, fsdax, 1 GiB) instead of linux-mount's virtio disks, for the
# DAX rules jdax must follow on images linux-xfsio cannot make (ext3, inline_data, quota...):
# the guest has mke2fs, tune2fs, debugfs, e2fsck, xfs_io, and the pmem, ext4 and quota modules,
# which the script loads itself with load_modules (a function it is given; mke2fs and tune2fs are
# functions too, for e2fsprogs' own, since busybox's shell prefers its applets). Not run by tests.
#
#   linux-pmem.sh [-o OUTDIR] SCRIPT.sh
#
# OUTDIR (default linux-pmem-out) gets output.txt (the script's stdout and stderr) and dmesg.txt.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
shared=${JDAX_ORACLE_DIR:-$here/../../../../../shared/oracle}
[ -f "$shared/oracle-lib.sh" ] || shared=/work/shared/oracle
out=linux-pmem-out
[ "${1:-}" = -o ] && { out=$2; shift 2; }
script=${1:?usage: linux-pmem.sh [-o OUTDIR] SCRIPT.sh}
. "$shared/oracle-lib.sh"
oracle_setup linux-pmem
mkdir -p "$out"; rm -f "$out"/{output.txt,dmesg.txt}
run=$(mktemp -d "$oracle_work/pmem.XXXXXX")
trap 'rm -rf "$run"' EXIT

oracle_root "$run/root" /usr/sbin/mke2fs /usr/sbin/tune2fs /usr/sbin/e2fsck /usr/sbin/debugfs /usr/sbin/dumpe2fs \
  /usr/sbin/xfs_io
oracle_modules "$run/root" drivers/nvdimm/libnvdimm drivers/nvdimm/nd_btt drivers/nvdimm/nd_pmem drivers/nvdimm/nd_e820 \
  lib/crc16 fs/mbcache fs/jbd2/jbd2 crypto/crc32c_generic arch/x86/crypto/crc32c-intel lib/libcrc32c \
  fs/quota/quota_tree fs/quota/quota_v2 fs/ext4/ext4
{
  # busybox's shell runs its own mke2fs and tune2fs applets whatever PATH says: these are e2fsprogs'
  echo 'mke2fs() { /sbin/mke2fs "$@"; }; tune2fs() { /sbin/tune2fs "$@"; }'
  echo 'load_modules() {'
  echo '  for m in libnvdimm nd_btt nd_pmem nd_e820 quota_tree quota_v2; do insmod /lib/modules/$m.ko 2>/dev/null; done'
  echo '  i=0; while [ ! -b /dev/pmem0 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done'
  echo '  dmesg -c > /dev/null'
  echo '}'
  cat "$script"
} > "$run/root/script.sh"
oracle_pack "$run/root" "$shared/mount-init.sh" "$run/initramfs.gz"
oracle_boot "$run/guest" "$run/initramfs.gz" 3G "memmap=1G!1G oracle_disks=0 oracle_limit=1500"

python3 - "$run/guest.raw" "$out" <<'PY'
import base64, os, sys
raw, out = sys.argv[1], sys.argv[2]
text = open(raw, 'rb').read().decode('latin-1').replace('\r', '') if os.path.exists(raw) else ''
names = {'output': 'output.txt', 'dmesg': 'dmesg.txt'}
cur, buf, rc = None, [], None
for line in text.split('\n'):
    p = line.split()
    if line.startswith('@@BEGIN '):
        cur, buf = p[1], []
    elif line.startswith('@@END ') and cur == p[1]:
        open(os.path.join(out, names[cur]), 'wb').write(base64.b64decode(''.join(buf)))
        cur = None
    elif cur is not None:
        buf.append(line.strip())
    elif line.startswith('@@RC '):
        rc = int(p[1])
if rc is None:
    print('linux-pmem: the guest did not run the script to the end', file=sys.stderr)
    sys.exit(125)
print(f'linux-pmem: script exit {rc}; {out}/output.txt, dmesg.txt', file=sys.stderr)
sys.exit(rc)
PY
