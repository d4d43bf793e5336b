package dev.jdax.fs.ext4;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Multiple-mount protection (the mmp feature), as Linux's fs/ext4/mmp.c keeps it: a read-write
 * mount reads the MMP block ({@code struct mmp_struct} at s_mmp_block), refuses it while fsck holds
 * it, waits out a sequence another node may still be advancing, claims it with a random sequence,
 * and then advances it every s_mmp_update_interval seconds (kmmpd: here a daemon thread of this
 * mount) until the unmount writes EXT4_MMP_SEQ_CLEAN. The block is written straight to the device,
 * not through the journal, as write_mmp_block submits it.
 */
final class Mmp implements AutoCloseable {
    static final int MAGIC = 0x004D4D50;
    static final int SEQ_CLEAN = 0xFF4D4D50;
    static final int SEQ_FSCK = 0xE24D4D50;
    static final int SEQ_MAX = 0xE24D4D4F;
    /** EXT4_MMP_MIN_CHECK_INTERVAL, in seconds. */
    static final int MIN_CHECK_INTERVAL = 5;
    private static final int SIZE = 1024;

    /** How the protocol waits (seconds); tests replace it to play the other node. */
    interface Sleeper {
        void sleep(long seconds) throws FsException;
    }

    static final Sleeper REAL_TIME = seconds -> {
        try {
            Thread.sleep(seconds * 1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw FsException.of(Errno.EINTR, "ext4: MMP startup interrupted, failing mount");
        }
    };

    private final DaxDevice device;
    private final Ext4Superblock sb;
    private final long offset;
    private final int interval;
    private final ScheduledExecutorService kmmpd;
    private int seq;
    private volatile String error;

    private Mmp(DaxDevice device, Ext4Superblock sb, long offset, int interval, int seq) {
        this.device = device;
        this.sb = sb;
        this.offset = offset;
        this.interval = interval;
        this.seq = seq;
        this.kmmpd = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kmmpd-" + device.name());
            t.setDaemon(true);
            return t;
        });
    }

    /** Whether the file system has the mmp feature. */
    static boolean enabled(Ext4Superblock sb) {
        return (sb.s_feature_incompat() & Ext4Superblock.INCOMPAT_MMP) != 0;
    }

    /** ext4_multi_mount_protect: claims the MMP block for this mount, or refuses the mount in Linux's words. */
    static Mmp start(DaxDevice device, Ext4Superblock sb, Sleeper sleeper) throws FsException {
        long block = sb.s_mmp_block();
        if (block < sb.s_first_data_block() || block >= sb.s_blocks_count()) {
            throw FsException.of(Errno.EINVAL, "ext4: Invalid MMP block in superblock (%d)", block);
        }
        long offset = block * sb.blockSize();
        int interval = Math.max(sb.s_mmp_update_interval(), MIN_CHECK_INTERVAL);
        ByteBuffer mmp = read(device, sb, offset);
        interval = Math.max(interval, mmp.getShort(112) & 0xffff);
        int seq = mmp.getInt(4);
        long wait = 0;
        if (seq == SEQ_FSCK) {
            throw inUse(mmp, "fsck is running on the filesystem");
        }
        if (seq != SEQ_CLEAN) {
            // Another node may have it mounted: if it does, it advances the sequence meanwhile.
            wait = Math.min(interval * 2L + 1, interval + 60L);
            sleeper.sleep(wait);
            mmp = read(device, sb, offset);
            if (mmp.getInt(4) != seq) {
                throw inUse(mmp, "Device is already in use.");
            }
        }
        int mine = newSeq();
        Mmp m = new Mmp(device, sb, offset, interval, mine);
        m.write(mine, interval);
        sleeper.sleep(wait);
        mmp = read(device, sb, offset);
        if (mmp.getInt(4) != mine) {
            throw inUse(mmp, "Device is already in use.");
        }
        long every = Math.max(1, sb.s_mmp_update_interval());
        m.kmmpd.scheduleWithFixedDelay(m::update, every, every, TimeUnit.SECONDS);
        return m;
    }

    /** mmp_new_seq: a random sequence below EXT4_MMP_SEQ_MAX. */
    private static int newSeq() {
        int s;
        do {
            s = new SecureRandom().nextInt() & 0x7fffffff;
        } while (Integer.compareUnsigned(s, SEQ_MAX) > 0);
        return s;
    }

    /** read_mmp_block: the block, its magic and (metadata_csum) checksum checked. */
    private static ByteBuffer read(DaxDevice device, Ext4Superblock sb, long offset) throws FsException {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        device.load(offset, MemorySegment.ofArray(b.array()), 0, SIZE);
        if (b.getInt(0) != MAGIC) {
            throw FsException.of(Errno.EUCLEAN, "ext4: Error while reading MMP block %d: mmp_magic 0x%x", offset / sb.blockSize(),
                    b.getInt(0));
        }
        if (sb.hasCsum() && b.getInt(SIZE - 4) != Crc32c.update(sb.csumSeed(), b.array(), 0, SIZE - 4)) {
            throw FsException.of(Errno.EBADMSG, "ext4: Error while reading MMP block %d: mmp_checksum does not match",
                    offset / sb.blockSize());
        }
        return b;
    }

    private static FsException inUse(ByteBuffer mmp, String why) {
        String node = new String(mmp.array(), 16, 64, StandardCharsets.UTF_8).replace("\0", "");
        String dev = new String(mmp.array(), 80, 32, StandardCharsets.UTF_8).replace("\0", "");
        return FsException.of(Errno.EBUSY, "ext4: MMP failure info: %s, last update time: %d, last update node: %s, last update "
                + "device: %s", why, mmp.getLong(8), node, dev);
    }

    /** write_mmp_block: sequence, time, this node and device, check interval, checksum; straight to the device. */
    private synchronized void write(int s, int checkInterval) throws FsException {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        device.load(offset, MemorySegment.ofArray(b.array()), 0, SIZE);
        b.putInt(4, s);
        b.putLong(8, System.currentTimeMillis() / 1000);
        put(b, 16, 64, nodeName());
        put(b, 80, 32, device.name().substring(device.name().lastIndexOf('/') + 1));
        b.putShort(112, (short) checkInterval);
        if (sb.hasCsum()) {
            b.putInt(SIZE - 4, Crc32c.update(sb.csumSeed(), b.array(), 0, SIZE - 4));
        }
        device.store(offset, MemorySegment.ofArray(b.array()), 0, SIZE);
        device.fence();
    }

    private static void put(ByteBuffer b, int at, int len, String s) {
        byte[] v = s.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < len; i++) {
            b.put(at + i, i < Math.min(v.length, len - 1) ? v[i] : 0);
        }
    }

    private static String nodeName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "jdax";
        }
    }

    /**
     * kmmpd's round: if the block is not as this mount left it, another node wrote it (Linux: "The
     * filesystem seems to have been multiply mounted") and the updates stop; else the next sequence.
     */
    private synchronized void update() {
        try {
            if (error != null) {
                return;
            }
            if (read(device, sb, offset).getInt(4) != seq) {
                error = "Error while updating MMP info. The filesystem seems to have been multiply mounted.";
                return;
            }
            seq = Integer.compareUnsigned(seq + 1, SEQ_MAX) > 0 ? 1 : seq + 1;
            write(seq, interval);
        } catch (FsException e) {
            error = e.getMessage();
        }
    }

    /** What stopped the updates, or null while this mount holds the block. */
    String error() {
        return error;
    }

    /** The unmount: updates stop and the block says EXT4_MMP_SEQ_CLEAN. */
    @Override
    public synchronized void close() throws FsException {
        kmmpd.shutdownNow();
        if (error == null) {
            write(SEQ_CLEAN, interval);
        }
    }
}
