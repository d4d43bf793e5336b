package dev.jdax.fs.ext4;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An fs-verity file as ext4 keeps it (fs/ext4/verity.c, fs/verity): past EOF, from the first 64 KiB
 * boundary, the Merkle tree (its root level first, level 0 — the hashes of the data blocks — last),
 * then on the next block boundary the {@code fsverity_descriptor}, whose size is in the last four
 * bytes of the file's last mapped block. Every block read is hashed (SHA-256 or SHA-512, the salt
 * zero-padded to the hash's block size in front) and checked against its level-0 entry, that tree
 * block against the level above, up to the descriptor's root hash; a block that does not check out
 * is EIO, as {@code fsverity_verify_page} makes it. Tree blocks once verified are kept (Linux keeps
 * them verified in its page cache). Built-in signatures are not checked, as by a kernel without
 * CONFIG_FS_VERITY_BUILTIN_SIGNATURES.
 */
final class VerityFile {
    /** FS_VERITY_MAX_DESCRIPTOR_SIZE. */
    private static final int MAX_DESCRIPTOR = 16384;
    private static final int DESCRIPTOR_SIZE = 256;
    private static final int MAX_LEVELS = 8;
    private static final int CACHED_TREE_BLOCKS = 256;

    private final Ext4FileSystem fs;
    private final Ext4Inode in;
    private final int bs;
    private final String algorithm;
    private final int digestSize;
    private final byte[] paddedSalt;
    private final byte[] rootHash;
    private final long metadataPos;
    private final int logArity;
    private final long[] levelStart;
    private final byte[] digest;
    /** Verified tree blocks by index: an LRU, guarded by itself. */
    private final Map<Long, byte[]> verified = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, byte[]> eldest) {
            return size() > CACHED_TREE_BLOCKS;
        }
    };

    private VerityFile(Ext4FileSystem fs, Ext4Inode in, ByteBuffer desc, long size) throws FsException {
        this.fs = fs;
        this.in = in;
        this.bs = fs.blockSize();
        int alg = desc.get(1) & 0xff;
        int logBlocksize = desc.get(2) & 0xff;
        int saltSize = desc.get(3) & 0xff;
        this.algorithm = switch (alg) {
            case 1 -> "SHA-256";
            case 2 -> "SHA-512";
            default -> throw invalid("unknown hash algorithm %d", alg);
        };
        this.digestSize = alg == 1 ? 32 : 64;
        if (1L << logBlocksize != bs) {
            throw invalid("Unsupported log_blocksize: %d", logBlocksize); // Linux 6.1: the page size only
        }
        int hashBlock = alg == 1 ? 64 : 128;
        this.paddedSalt = new byte[saltSize == 0 ? 0 : (saltSize + hashBlock - 1) / hashBlock * hashBlock];
        desc.get(80, paddedSalt, 0, saltSize);
        this.rootHash = new byte[digestSize];
        desc.get(16, rootHash);
        this.metadataPos = (size + 65535) / 65536 * 65536;
        this.logArity = Integer.numberOfTrailingZeros(bs / digestSize);
        // fsverity_init_merkle_tree_params: the levels and where each starts, the root level first.
        long[] blocksAt = new long[MAX_LEVELS];
        int levels = 0;
        for (long blocks = (size + bs - 1) / bs; blocks > 1; ) {
            if (levels == MAX_LEVELS) {
                throw invalid("Too many levels in Merkle tree");
            }
            blocks = (blocks + (1L << logArity) - 1) >>> logArity;
            blocksAt[levels++] = blocks;
        }
        this.levelStart = new long[levels];
        long offset = 0;
        for (int level = levels - 1; level >= 0; level--) {
            levelStart[level] = offset;
            offset += blocksAt[level];
        }
        byte[] unsigned = Arrays.copyOf(desc.array(), DESCRIPTOR_SIZE);
        ByteBuffer.wrap(unsigned).order(ByteOrder.LITTLE_ENDIAN).putInt(4, 0);
        this.digest = newDigest().digest(unsigned);
    }

    /** The inode's fs-verity state, read at its first use (two first users may both read it; either result serves). */
    static VerityFile of(Ext4FileSystem fs, Ext4Inode in) throws FsException {
        VerityFile v = in.verity;
        if (v == null) {
            v = open(fs, in);
            in.verity = v;
        }
        return v;
    }

    /**
     * ensure_verity_info: the descriptor found where ext4_get_verity_descriptor_location looks, and
     * checked as validate_fsverity_descriptor checks it.
     */
    private static VerityFile open(Ext4FileSystem fs, Ext4Inode in) throws FsException {
        in.dataSem.lockShared();
        try {
            if (!in.usesExtents() || in.extents == null || in.extents.size() == 0) {
                throw FsException.of(Errno.EUCLEAN, "ext4: inode %d: verity file corrupted; can't find descriptor (no extents)", in.ino);
            }
            int bs = fs.blockSize();
            long size = in.i_size();
            long sizePos = in.extents.end() * bs - 4;
            long descSize = ByteBuffer.wrap(readAt(fs, in, sizePos, 4)).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xffffffffL;
            long descPos = descSize > sizePos ? -1 : (sizePos - descSize) / bs * bs;
            if (descSize > Integer.MAX_VALUE || descPos < (size + 65535) / 65536 * 65536) {
                throw FsException.of(Errno.EUCLEAN, "ext4: inode %d: verity file corrupted; can't find descriptor", in.ino);
            }
            if (descSize > MAX_DESCRIPTOR) {
                throw FsException.of(Errno.EMSGSIZE, "ext4: inode %d: Verity descriptor is too large (%d bytes)", in.ino, descSize);
            }
            ByteBuffer desc = ByteBuffer.wrap(readAt(fs, in, descPos, (int) descSize)).order(ByteOrder.LITTLE_ENDIAN);
            String bad = descSize < DESCRIPTOR_SIZE ? "Unrecognized descriptor size: " + descSize + " bytes"
                    : desc.get(0) != 1 ? "Unrecognized descriptor version: " + desc.get(0)
                    : !Arrays.equals(desc.array(), 112, 256, new byte[144], 0, 144) ? "Reserved bits set in descriptor"
                    : (desc.get(3) & 0xff) > 32 ? "Invalid salt_size: " + (desc.get(3) & 0xff)
                    : desc.getLong(8) != size ? "Wrong data_size: " + desc.getLong(8) + " (desc) != " + size + " (inode)"
                    : (desc.getInt(4) & 0xffffffffL) > descSize - DESCRIPTOR_SIZE ? "Signature overflows verity descriptor" : null;
            if (bad != null) {
                throw FsException.of(Errno.EINVAL, "ext4: inode %d: fs-verity: %s", in.ino, bad);
            }
            return new VerityFile(fs, in, desc, size);
        } finally {
            in.dataSem.unlockShared();
        }
    }

    private FsException invalid(String what, Object... args) {
        return FsException.of(Errno.EINVAL, "ext4: inode %d: fs-verity: %s", in.ino, String.format(what, args));
    }

    /** The file digest FS_IOC_MEASURE_VERITY reports: the hash of the descriptor with sig_size 0, its signature left out. */
    String measure() {
        return algorithm.replace("-", "").toLowerCase() + ":" + HexFormat.of().formatHex(digest);
    }

    /** Reads {@code dst.byteSize()} bytes at {@code pos} (inside EOF), every block they touch verified first. */
    long read(long pos, MemorySegment dst) throws FsException {
        long n = dst.byteSize();
        for (long done = 0; done < n; ) {
            long idx = (pos + done) / bs;
            int in0 = (int) ((pos + done) % bs);
            int take = (int) Math.min(n - done, bs - in0);
            byte[] block = block(idx);
            verifyData(idx, block);
            MemorySegment.copy(MemorySegment.ofArray(block), in0, dst, done, take);
            done += take;
        }
        return n;
    }

    private void verifyData(long idx, byte[] block) throws FsException {
        byte[] h = hash(block);
        byte[] want = levelStart.length == 0 ? rootHash : treeBlock(0, idx >>> logArity);
        int at = levelStart.length == 0 ? 0 : (int) (idx & ((1L << logArity) - 1)) * digestSize;
        if (!Arrays.equals(h, 0, digestSize, want, at, at + digestSize)) {
            throw FsException.of(Errno.EIO, "ext4: inode %d: fs-verity: FILE CORRUPTED: data block %d does not match the "
                    + "Merkle tree (want %s, real %s)", in.ino, idx, hex(want, at), hex(h, 0));
        }
    }

    /** Tree block {@code index} of {@code level}, verified against the level above it or the root hash. */
    private byte[] treeBlock(int level, long index) throws FsException {
        long tblk = levelStart[level] + index;
        synchronized (verified) {
            byte[] known = verified.get(tblk);
            if (known != null) {
                return known;
            }
        }
        byte[] raw;
        in.dataSem.lockShared();
        try {
            raw = readAt(fs, in, metadataPos + tblk * bs, bs);
        } finally {
            in.dataSem.unlockShared();
        }
        byte[] h = hash(raw);
        boolean top = level == levelStart.length - 1;
        byte[] want = top ? rootHash : treeBlock(level + 1, index >>> logArity);
        int at = top ? 0 : (int) (index & ((1L << logArity) - 1)) * digestSize;
        if (!Arrays.equals(h, 0, digestSize, want, at, at + digestSize)) {
            throw FsException.of(Errno.EIO, "ext4: inode %d: fs-verity: FILE CORRUPTED: Merkle tree block %d (level %d) does not "
                    + "match the level above", in.ino, tblk, level);
        }
        synchronized (verified) {
            verified.put(tblk, raw);
        }
        return raw;
    }

    private byte[] block(long idx) throws FsException {
        in.dataSem.lockShared();
        try {
            return readAt(fs, in, idx * bs, bs);
        } finally {
            in.dataSem.unlockShared();
        }
    }

    private byte[] hash(byte[] block) {
        MessageDigest md = newDigest();
        md.update(paddedSalt);
        return md.digest(block);
    }

    private MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is part of every JDK", e);
        }
    }

    private String hex(byte[] b, int at) {
        return HexFormat.of().formatHex(b, at, at + digestSize);
    }

    /** Bytes of the file, EOF or not, as its extents map them (holes and unwritten extents read as zeros). Caller holds i_data_sem. */
    private static byte[] readAt(Ext4FileSystem fs, Ext4Inode in, long pos, int len) throws FsException {
        int bs = fs.blockSize();
        byte[] out = new byte[len];
        for (int done = 0; done < len; ) {
            long lblk = (pos + done) / bs;
            int off = (int) ((pos + done) % bs);
            int n = Math.min(len - done, bs - off);
            Extent e = in.extents.find(lblk);
            if (e != null && !e.unwritten()) {
                fs.device().load(e.pblkOf(lblk) * bs + off, MemorySegment.ofArray(out), done, n);
            }
            done += n;
        }
        return out;
    }
}
