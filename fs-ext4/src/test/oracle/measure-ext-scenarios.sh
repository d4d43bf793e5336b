#!/usr/bin/env bash
# Measures the `jdax compare` scenarios that make their file system with "# mke2fs: ARGS" (ext3,
# inline_data, 1 KiB blocks ...) on Linux 6.1 with emulated pmem, as ../../../../../shared/oracle/
# linux-xfsio measures the others (its guest, its xfsio-run, the same kernel), for the ext4 and
# ext4-dioread_nolock configurations; linux-xfsio's own guest makes only mke2fs's default file
# systems. The guest (ext-scenarios-init.sh) records a refused mount as the output. Not run by tests.
#
#   measure-ext-scenarios.sh OUTDIR SCRIPT.xfsio...      (OUTDIR/CFG/NAME.out)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
shared=${JDAX_ORACLE_DIR:-$here/../../../../../shared/oracle}
[ -f "$shared/oracle-lib.sh" ] || shared=/work/shared/oracle
out=${1:?usage: measure-ext-scenarios.sh OUTDIR SCRIPT.xfsio...}; shift
. "$shared/oracle-lib.sh"
oracle_setup measure-ext-scenarios
work=$(mktemp -d "$oracle_work/ext-scenarios.XXXXXX")
trap 'rm -rf "$work"' EXIT
R=$work/root
oracle_root "$R" /usr/sbin/mke2fs /usr/sbin/xfs_io
mkdir -p "$R/scenarios"
gcc -O1 -Wall -static -o "$R/bin/xfsio-run" "$shared/xfsio-run.c"
oracle_modules "$R" drivers/nvdimm/libnvdimm drivers/nvdimm/nd_btt drivers/nvdimm/nd_pmem drivers/nvdimm/nd_e820 \
  lib/crc16 fs/mbcache fs/jbd2/jbd2 crypto/crc32c_generic arch/x86/crypto/crc32c-intel fs/quota/quota_tree \
  fs/quota/quota_v2 fs/ext4/ext4
cp "$@" "$R/scenarios/"
oracle_pack "$R" "$here/ext-scenarios-init.sh" "$work/initramfs.gz"
cfgs=(ext4 ext4-dioread_nolock)
for c in "${cfgs[@]}"; do oracle_boot "$work/$c" "$work/initramfs.gz" 3G "memmap=1G!1G oracle_cfg=$c" & done
wait
python3 - "$work" "$out" "${cfgs[@]}" <<'PY'
import base64, os, sys
work, out, cfgs = sys.argv[1], sys.argv[2], sys.argv[3:]
for c in cfgs:
    os.makedirs(os.path.join(out, c), exist_ok=True)
    raw = open(os.path.join(work, c + '.raw'), 'rb').read().decode('latin-1').replace('\r', '')
    cur, buf = None, []
    for line in raw.split('\n'):
        p = line.split()
        if line.startswith('@@BEGIN '):
            cur, buf = p[2], []
        elif line.startswith('@@END ') and cur == p[2]:
            data = base64.b64decode(''.join(buf))
            if len(data) == int(p[3]):
                open(os.path.join(out, c, cur + '.out'), 'wb').write(data)
                print(f'{c}: {cur}')
            cur = None
        elif cur is not None:
            buf.append(line.strip())
        elif line.startswith('@@'):
            print(f'{c}: {line}')
PY
