package dev.jdax.fs.ext4;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The jbd2 journal inside the file system (inode 8), in jbd2's own big-endian format: descriptor
 * blocks of csum-v3 tags, the logged block copies, a commit block, revoke blocks when replaying.
 *
 * <p>jdax writes one committed transaction at a time ({@link Jbd2} groups the operations into it)
 * and checkpoints it at once. The mount's first commit opens the log: the journal superblock names
 * its first block and the tid every transaction of this mount carries ({@code s_start},
 * {@code s_sequence}), and is not written again until the unmount marks the journal empty
 * ({@link #markEmpty}), as jbd2 writes it only when the log's tail moves. Its checksum sits on
 * another cache line than those two fields, so each write of it is a moment a crash can tear it,
 * which Linux then refuses to mount ("JBD2: journal checksum error"); written twice a commit, it
 * was torn in 128 of 360 crash states, now in 16 of 325 (the opening and closing writes). Each
 * commit first destroys the header blocks (descriptors, commit block) of the transaction before
 * it, then writes its own from the journal's first block, then the blocks in place. A crash at
 * any point leaves the log with no transaction of the mount's tid, or with one complete committed
 * transaction that recovery ({@link #scan}, {@link #replay}, {@link #recovered}) replays; one
 * already written home is written again with the same bytes. No block logged in it can have
 * become a file's data meanwhile: a block freed after it is reusable only once the next
 * transaction commits, and that commit destroys this one first. Recovery reads any jbd2 journal
 * (several transactions, wrapping, revokes), the kernel's too, and hands over the fast-commit
 * area of a journal with JBD2_FEATURE_INCOMPAT_FAST_COMMIT ({@link FastCommitLog}). jdax's own
 * log stays below that area.
 */
final class Jbd2Journal {
    static final int MAGIC = 0xC03B3998;
    static final int DESCRIPTOR = 1;
    static final int COMMIT = 2;
    static final int SUPERBLOCK_V2 = 4;
    static final int REVOKE = 5;
    static final int FLAG_ESCAPE = 1;
    static final int FLAG_SAME_UUID = 2;
    static final int FLAG_LAST_TAG = 8;
    static final int COMPAT_CHECKSUM = 0x1;
    static final int INCOMPAT_64BIT = 0x2;
    static final int INCOMPAT_ASYNC_COMMIT = 0x4;
    static final int INCOMPAT_CSUM_V2 = 0x8;
    static final int INCOMPAT_CSUM_V3 = 0x10;
    static final int INCOMPAT_FAST_COMMIT = 0x20;
    /** JBD2_CRC32C_CHKSUM: s_checksum_type of a journal with CSUM_V2 or V3. */
    static final int CRC32C = 4;
    /** JBD2_MIN_JOURNAL_BLOCKS: below this many log blocks there is no fast-commit area. */
    static final int MIN_JOURNAL_BLOCKS = 1024;
    /** JBD2_MIN_FC_BLOCKS: the fast-commit area when s_num_fc_blks is 0. */
    static final int DEFAULT_FC_BLOCKS = 256;

    private final DaxDevice device;
    private final int bs;
    private final long[] blocks;
    private final ByteBuffer jsb;
    private final int csumSeed;
    private final boolean csumV3;
    private final boolean is64;
    private final byte[] uuid = new byte[16];
    /** The tid every transaction of this mount's log carries, once the first commit has opened the log; -1 before. */
    private int logTid = -1;
    /** Where the last transaction's header blocks are (journal block numbers): the next commit destroys them first. */
    private int[] lastHeaders = new int[0];

    private Jbd2Journal(DaxDevice device, int bs, long[] blocks, ByteBuffer jsb) {
        this.device = device;
        this.bs = bs;
        this.blocks = blocks;
        this.jsb = jsb;
        jsb.get(0x30, uuid);
        this.csumV3 = (jsb.getInt(0x28) & INCOMPAT_CSUM_V3) != 0;
        this.is64 = (jsb.getInt(0x28) & INCOMPAT_64BIT) != 0;
        this.csumSeed = Crc32c.update(~0, uuid, 0, 16);
    }

    /** Opens the journal whose blocks (file block → device block) are {@code blocks}. */
    static Jbd2Journal open(DaxDevice device, int bs, long[] blocks) throws FsException {
        if (blocks.length < 4) {
            throw FsException.of(Errno.EUCLEAN, "ext4: journal of %d blocks is too small", blocks.length);
        }
        ByteBuffer jsb = ByteBuffer.allocate(1024).order(ByteOrder.BIG_ENDIAN);
        device.load(blocks[0] * bs, MemorySegment.ofArray(jsb.array()), 0, 1024);
        if (jsb.getInt(0) != MAGIC || jsb.getInt(4) != SUPERBLOCK_V2 || jsb.getInt(0xC) != bs) {
            throw FsException.of(Errno.EUCLEAN, "ext4: journal superblock: magic 0x%x type %d block size %d",
                    jsb.getInt(0), jsb.getInt(4), jsb.getInt(0xC));
        }
        if (jsb.getInt(0x10) > blocks.length || jsb.getInt(0x14) < 1) {
            throw FsException.of(Errno.EUCLEAN, "ext4: journal superblock: s_maxlen %d s_first %d for %d blocks",
                    jsb.getInt(0x10), jsb.getInt(0x14), blocks.length);
        }
        // A checksum that does not match is not fatal: jdax's own two fields share one 8-byte word, so a
        // crash can tear the checksum from them but never them from each other (it is rewritten below).
        return new Jbd2Journal(device, bs, blocks, jsb);
    }

    /**
     * This journal with the features ext4_fill_super gives the journal of a mount: 64-bit block
     * tags on a 64bit file system, crc32c checksums (CSUM_V3, s_checksum_type crc32c) with
     * metadata_csum and none without (set_journal_csum_feature_set: CSUM_V2, V1 and async commit
     * cleared). Linux does it to every journal it mounts, mke2fs's featureless one included; jdax
     * does it to a clean journal of a read-write mount, where the superblock is written.
     */
    Jbd2Journal withMountFeatures(boolean metadataCsum, boolean wide) throws FsException {
        int compat = jsb.getInt(0x24) & ~COMPAT_CHECKSUM;
        int incompat = jsb.getInt(0x28) & ~(INCOMPAT_CSUM_V2 | INCOMPAT_CSUM_V3 | INCOMPAT_ASYNC_COMMIT)
                | (metadataCsum ? INCOMPAT_CSUM_V3 : 0) | (wide ? INCOMPAT_64BIT : 0);
        if (needsRecovery() || compat == jsb.getInt(0x24) && incompat == jsb.getInt(0x28)) {
            return this;
        }
        ByteBuffer b = ByteBuffer.allocate(1024).order(ByteOrder.BIG_ENDIAN).put(0, jsb, 0, 1024);
        b.putInt(0x24, compat);
        b.putInt(0x28, incompat);
        b.put(0x50, (byte) (metadataCsum ? CRC32C : 0));
        b.putInt(0xFC, 0);
        if (metadataCsum) {
            b.putInt(0xFC, Crc32c.update(~0, b.array(), 0, 1024));
        }
        // A crash between any two stores must leave a superblock jbd2 and e2fsck accept. Without
        // CSUM_V2/V3 (mke2fs's journal) nothing reads s_checksum_type or s_checksum: they go first,
        // then the v1 flag's word, then the incompat word (one aligned 8-byte store with
        // ro_compat). A journal already checked by its checksum gets it last (a torn window
        // remains, as in Linux's own superblock write).
        boolean checkedBefore = csumV2or3();
        if (!checkedBefore) {
            storeChecksumFields(b);
        }
        if (compat != jsb.getInt(0x24)) {
            storeSuperblockBytes(b, 0x20, 8);
        }
        storeSuperblockBytes(b, 0x28, 8);
        if (checkedBefore) {
            storeChecksumFields(b);
        }
        return new Jbd2Journal(device, bs, blocks, b);
    }

    private void storeChecksumFields(ByteBuffer b) throws FsException {
        device.store(blocks[0] * bs + 0x50, MemorySegment.ofArray(b.array()), 0x50, 1);
        storeSuperblockBytes(b, 0xFC, 4);
    }

    private void storeSuperblockBytes(ByteBuffer b, int at, int len) throws FsException {
        device.store(blocks[0] * bs + at, MemorySegment.ofArray(b.array()), at, len);
        device.fence();
    }

    private int first() {
        return jsb.getInt(0x14);
    }

    private int maxlen() {
        return jsb.getInt(0x10);
    }

    private boolean fastCommit() {
        return (jsb.getInt(0x28) & INCOMPAT_FAST_COMMIT) != 0;
    }

    /**
     * j_last as jbd2's load_superblock sets it: the log wraps there, and with
     * JBD2_FEATURE_INCOMPAT_FAST_COMMIT the s_num_fc_blks blocks up to s_maxlen are the fast-commit
     * area (its first block is j_last + 1; block j_last itself is used by neither).
     */
    private int last() {
        if (!fastCommit()) {
            return maxlen();
        }
        int fc = jsb.getInt(0x54) == 0 ? DEFAULT_FC_BLOCKS : jsb.getInt(0x54);
        return maxlen() - fc >= MIN_JOURNAL_BLOCKS ? maxlen() - fc : maxlen();
    }

    boolean needsRecovery() {
        return jsb.getInt(0x1C) != 0;
    }

    private void writeSuperblock(int start, int sequence) throws FsException {
        // s_sequence (0x18) and s_start (0x1C) in one aligned 8-byte store first, then the checksum.
        jsb.putInt(0x18, sequence);
        jsb.putInt(0x1C, start);
        device.store(blocks[0] * bs + 0x18, MemorySegment.ofArray(jsb.array()), 0x18, 8);
        if (csumV2or3()) {
            jsb.putInt(0xFC, 0);
            jsb.putInt(0xFC, Crc32c.update(~0, jsb.array(), 0, 1024));
            device.store(blocks[0] * bs + 0xFC, MemorySegment.ofArray(jsb.array()), 0xFC, 4);
        }
        device.fence();
    }

    /** s_checksum exists only with JBD2_FEATURE_INCOMPAT_CSUM_V2 or V3 (an ext3 journal has neither). */
    private boolean csumV2or3() {
        return (jsb.getInt(0x28) & (INCOMPAT_CSUM_V2 | INCOMPAT_CSUM_V3)) != 0;
    }

    private ByteBuffer readBlock(int jblock) throws FsException {
        ByteBuffer b = ByteBuffer.allocate(bs).order(ByteOrder.BIG_ENDIAN);
        device.load(blocks[jblock] * bs, MemorySegment.ofArray(b.array()), 0, bs);
        return b;
    }

    private void writeBlock(int jblock, ByteBuffer b) throws FsException {
        device.store(blocks[jblock] * bs, MemorySegment.ofArray(b.array()), 0, bs);
    }

    private int tagSize() {
        return csumV3 ? 16 : is64 ? 12 : 8;
    }

    /** {@return the most metadata blocks one transaction may log}: what fits with its descriptors and commit block. */
    int maxTransactionBlocks() {
        int perDesc = (bs - 12 - 16 - (csumV3 ? 4 : 0)) / tagSize();
        int room = last() - first() - 1;
        return (int) ((long) room * perDesc / (perDesc + 1));
    }

    /**
     * Logs {@code dirty} (device block → its new contents) as the journal's one committed
     * transaction, after destroying the one before, and writes the blocks in place. On disk it
     * carries the log's tid, not {@link Jbd2}'s in-memory one: the superblock, written once a
     * mount, names that tid.
     */
    void commit(Map<Long, byte[]> dirty) throws FsException {
        if (dirty.isEmpty()) {
            return;
        }
        List<Map.Entry<Long, byte[]>> list = new ArrayList<>(dirty.entrySet());
        int perDesc = (bs - 12 - 16 - (csumV3 ? 4 : 0)) / tagSize();
        int need = list.size() + (list.size() + perDesc - 1) / perDesc + 1;
        if (need > last() - first()) {
            throw FsException.of(Errno.ENOSPC, "ext4: a transaction of %d blocks does not fit the %d-block journal",
                    list.size(), maxlen());
        }
        if (logTid < 0) {
            logTid = nextSequence();
            writeSuperblock(first(), logTid);
        } else if (lastHeaders.length > 0) {
            ByteBuffer zero = ByteBuffer.allocate(bs);
            for (int j : lastHeaders) {
                writeBlock(j, zero);
            }
            device.fence();
        }
        int sequence = logTid;
        List<Integer> headers = new ArrayList<>();
        int at = first();
        for (int i = 0; i < list.size(); i += perDesc) {
            List<Map.Entry<Long, byte[]>> part = list.subList(i, Math.min(list.size(), i + perDesc));
            ByteBuffer d = ByteBuffer.allocate(bs).order(ByteOrder.BIG_ENDIAN);
            header(d, DESCRIPTOR, sequence);
            int off = 12;
            for (int k = 0; k < part.size(); k++) {
                long target = part.get(k).getKey();
                byte[] data = part.get(k).getValue();
                boolean escape = ByteBuffer.wrap(data).order(ByteOrder.BIG_ENDIAN).getInt(0) == MAGIC;
                int flags = (escape ? FLAG_ESCAPE : 0) | (k > 0 ? FLAG_SAME_UUID : 0) | (k == part.size() - 1 ? FLAG_LAST_TAG : 0);
                d.putInt(off, (int) target);
                if (csumV3) {
                    d.putInt(off + 4, flags);
                    d.putInt(off + 8, (int) (target >>> 32));
                    d.putInt(off + 12, Crc32c.update(Crc32c.update(csumSeed, Integer.reverseBytes(sequence)), data, 0, bs));
                } else {
                    d.putShort(off + 6, (short) flags);
                    if (is64) {
                        d.putInt(off + 8, (int) (target >>> 32));
                    }
                }
                off += tagSize();
                if (k == 0) {
                    d.put(off, uuid);
                    off += 16;
                }
            }
            tail(d);
            headers.add(at);
            writeBlock(at++, d);
            for (Map.Entry<Long, byte[]> e : part) {
                ByteBuffer copy = ByteBuffer.wrap(e.getValue().clone()).order(ByteOrder.BIG_ENDIAN);
                if (copy.getInt(0) == MAGIC) {
                    copy.putInt(0, 0);
                }
                writeBlock(at++, copy);
            }
        }
        ByteBuffer c = ByteBuffer.allocate(bs).order(ByteOrder.BIG_ENDIAN);
        header(c, COMMIT, sequence);
        long now = System.currentTimeMillis();
        c.putLong(0x30, now / 1000);
        c.putInt(0x38, (int) (now % 1000) * 1_000_000);
        if (csumV3) {
            c.putInt(16, Crc32c.update(csumSeed, c.array(), 0, bs));
        }
        // The transaction's blocks are durable before its commit block, as jbd2 waits for them (without
        // async_commit): the superblock names the log for the whole mount, so a commit block that
        // reached memory before the blocks it seals would have recovery replay what is not there.
        device.fence();
        headers.add(at);
        writeBlock(at, c);
        device.fence();
        for (Map.Entry<Long, byte[]> e : list) {
            device.store(e.getKey() * bs, MemorySegment.ofArray(e.getValue()), 0, bs);
        }
        device.fence();
        lastHeaders = headers.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * {@code jbd2_mark_journal_empty} at unmount: every transaction is home, the superblock says
     * the log is empty and the next mount's tid follows this one's.
     */
    void markEmpty() throws FsException {
        if (logTid >= 0) {
            writeSuperblock(0, logTid + 1);
            logTid = -1;
            lastHeaders = new int[0];
        }
    }

    private static void header(ByteBuffer b, int type, int sequence) {
        b.putInt(0, MAGIC);
        b.putInt(4, type);
        b.putInt(8, sequence);
    }

    private void tail(ByteBuffer d) {
        if (csumV3) {
            d.putInt(bs - 4, 0);
            d.putInt(bs - 4, Crc32c.update(csumSeed, d.array(), 0, bs));
        }
    }

    /** The sequence number the next transaction takes. */
    int nextSequence() {
        return jsb.getInt(0x18);
    }

    /**
     * What jbd2's PASS_SCAN finds from s_start on (wrapping at j_last, honouring revoke records,
     * stopping at the first block that does not continue the sequence or whose checksums fail): the
     * committed transactions, {@code endTid} (the first transaction not committed, which fast commits
     * belong to), and the blocks of the fast-commit area. Reads only; null when nothing needs recovery.
     */
    Recovery scan() throws FsException {
        if (!needsRecovery()) {
            return null;
        }
        Map<Long, Integer> revoked = new HashMap<>();
        List<Txn> txns = scan(jsb.getInt(0x1C), jsb.getInt(0x18), revoked);
        int end = txns.isEmpty() ? jsb.getInt(0x18) : txns.getLast().sequence + 1;
        List<byte[]> fc = new ArrayList<>();
        if (fastCommit()) {
            for (int j = last() + 1; j < maxlen(); j++) {
                fc.add(readBlock(j).array());
            }
        }
        return new Recovery(txns, revoked, end, fc);
    }

    /** The transactions a scan found, and what comes after them. */
    record Recovery(List<Txn> txns, Map<Long, Integer> revoked, int endTid, List<byte[]> fastCommitBlocks) {
        int replayed() {
            return txns.size();
        }

        /** Whether a scanned transaction logged home block {@code block} and no revoke took it back. */
        boolean logs(long block) {
            return txns.stream().anyMatch(t -> t.blocks().containsKey(block) && !revokedAfter(block, t));
        }

        /** Whether a revoke record of {@code t} or a later transaction takes back its copy of {@code block}. */
        boolean revokedAfter(long block, Txn t) {
            Integer rev = revoked.get(block);
            return rev != null && rev - t.sequence() >= 0;
        }
    }

    /** jbd2's PASS_REPLAY: writes home every block the scanned transactions logged and nothing revoked. */
    void replay(Recovery r) throws FsException {
        for (Txn t : r.txns()) {
            for (Map.Entry<Long, Integer> e : t.blocks.entrySet()) {
                if (r.revokedAfter(e.getKey(), t)) {
                    continue;
                }
                ByteBuffer data = readBlock(e.getValue());
                if (t.escaped.contains(e.getKey())) {
                    data.putInt(0, MAGIC);
                }
                device.store(e.getKey() * bs, MemorySegment.ofArray(data.array()), 0, bs);
            }
        }
        device.fence();
    }

    /**
     * Marks the journal empty after a recovery, the next transaction numbered after the one the log
     * ended before ({@code jbd2_journal_recover}'s {@code ++info.end_transaction}), so fast commits
     * of that transaction left in their area are never taken for new ones.
     */
    void recovered(Recovery r) throws FsException {
        writeSuperblock(0, r.endTid() + 1);
    }

    record Txn(int sequence, Map<Long, Integer> blocks, java.util.Set<Long> escaped) {
    }

    private int next(int j) {
        return j + 1 >= last() ? first() : j + 1;
    }

    private List<Txn> scan(int start, int seq, Map<Long, Integer> revoked) throws FsException {
        List<Txn> out = new ArrayList<>();
        int j = start;
        int expect = seq;
        Map<Long, Integer> pending = new LinkedHashMap<>();
        java.util.Set<Long> escaped = new java.util.HashSet<>();
        Map<Long, Integer> pendingRevokes = new HashMap<>();
        for (int guard = 0; guard < maxlen() * 2; guard++) {
            ByteBuffer b = readBlock(j);
            if (b.getInt(0) != MAGIC || b.getInt(8) != expect) {
                break;
            }
            int type = b.getInt(4);
            if (type == DESCRIPTOR) {
                int off = 12;
                int limit = bs - (csumV3 ? 4 : 0);
                boolean lastTag = false;
                while (!lastTag && off + tagSize() <= limit) {
                    long target = b.getInt(off) & 0xffffffffL;
                    int flags = csumV3 ? b.getInt(off + 4) : b.getShort(off + 6) & 0xffff;
                    if (is64 || csumV3) {
                        target |= (b.getInt(off + 8) & 0xffffffffL) << 32;
                    }
                    off += tagSize() + ((flags & FLAG_SAME_UUID) == 0 ? 16 : 0);
                    j = next(j);
                    pending.put(target, j);
                    if ((flags & FLAG_ESCAPE) != 0) {
                        escaped.add(target);
                    }
                    lastTag = (flags & FLAG_LAST_TAG) != 0;
                }
                j = next(j);
            } else if (type == REVOKE) {
                int count = b.getInt(12);
                int recSize = is64 || csumV3 ? 8 : 4;
                for (int off = 16; off + recSize <= Math.min(count, bs); off += recSize) {
                    long blk = recSize == 8 ? b.getLong(off) : b.getInt(off) & 0xffffffffL;
                    pendingRevokes.put(blk, expect);
                }
                j = next(j);
            } else if (type == COMMIT) {
                if (csumV3) {
                    int want = b.getInt(16);
                    b.putInt(16, 0);
                    if (Crc32c.update(csumSeed, b.array(), 0, bs) != want) {
                        break;
                    }
                }
                out.add(new Txn(expect, pending, escaped));
                revoked.putAll(pendingRevokes);
                pending = new LinkedHashMap<>();
                escaped = new java.util.HashSet<>();
                pendingRevokes = new HashMap<>();
                expect++;
                j = next(j);
            } else {
                break;
            }
        }
        return out;
    }
}
