# Sourced by the fscrypt oracle scripts (make-encrypt-image.sh, make-encrypt-casefold-image.sh,
# judge-jdax-encrypt.sh). Debian's kernel builds fscrypt's algorithms as modules
# (FS_ENCRYPTION_ALGS=m) that linux-mount's guest does not load: they travel on a disk of their own.

# fscrypt_modules_disk IMG: an ext2 image holding ecb, xts, cts and sha512_generic of the host's kernel
fscrypt_modules_disk() {
  local kver dir m
  kver=$(ls /lib/modules | sort | tail -1)
  dir=$(mktemp -d)
  for m in crypto/ecb crypto/xts crypto/cts crypto/sha512_generic; do cp "/lib/modules/$kver/kernel/$m.ko" "$dir/"; done
  mke2fs -q -F -t ext2 -d "$dir" "$1" 8M
  rm -rf "$dir"
}

# The guest's first lines: load the modules from $DISK2, mount $DISK1 on /mnt, and put the fixed
# 64-byte test key in /tmp/key (runs are alike; names still differ, each file has its own nonce).
FSCRYPT_GUEST_SETUP='mkdir -p /m && mount -t ext4 -o ro $DISK2 /m || exit 1
for k in ecb xts cts sha512_generic; do insmod /m/$k.ko || exit 1; done
mount -t ext4 $DISK1 /mnt || exit 1
printf 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef > /tmp/key'
