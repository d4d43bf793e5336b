package dev.jdax.fs.ext4;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.pmem.PmemDevices;
import dev.jdax.vfs.Vfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fast commits written into the journal of an mke2fs -O fast_commit image as ext4 writes them (no
 * full commit after the image was made, so the fast commits follow transaction s_sequence): a file
 * created with its data, an append, a truncate, a link, the last link of a file removed, a directory
 * made, and a last fast commit torn by the crash. jdax's mount replays what checks out and e2fsck
 * finds the result clean. {@link LinuxJournalImagesTest} holds jdax to the kernel's own fast commits.
 */
class FastCommitReplayTest {
    private static final int BS = 4096;

    @TempDir
    Path tmp;

    @Test
    void fastCommitsAfterTheLastFullCommitAreReplayed() throws Exception {
        Path root = tmp.resolve("tree");
        byte[] a = Tools.randomFile(root.resolve("a"), 10_000, 1);
        byte[] b = Tools.randomFile(root.resolve("b"), 50_000, 2);
        byte[] keep = Tools.randomFile(root.resolve("keep"), 3000, 3);
        Tools.randomFile(root.resolve("gone"), 20_000, 4);
        Files.createDirectories(root.resolve("sub"));
        Path img = tmp.resolve("fc.img");
        Tools.Result mk = Tools.run("mke2fs", "-q", "-F", "-t", "ext4", "-O", "fast_commit", "-b", "4096", "-d", root.toString(),
                img.toString(), "32M");
        assertEquals(0, mk.status(), mk.output());
        for (String free : new String[] {"testi <30>", "testi <31>", "testb 6000 3"}) {
            assertTrue(Tools.run("debugfs", "-R", free, img.toString()).output().contains("not in use"), free);
        }
        byte[] fresh = new byte[2 * BS];
        byte[] appended = new byte[BS];
        Arrays.fill(fresh, (byte) 0x5a);
        Arrays.fill(appended, (byte) 0xa5);
        try (DaxDevice d = PmemDevices.open(img)) {
            long[] ino = new long[6];
            byte[][] raw = new byte[6][];
            try (FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.parse("ro"))) {
                Ext4FileSystem x = WhiteBox.format(fs);
                String[] names = {"/a", "/b", "/keep", "/gone", "/sub", "/"};
                for (int i = 0; i < names.length; i++) {
                    ino[i] = fs.resolve(names[i], true);
                    raw[i] = x.disk().readBytes(x.inodeOffsetOf(ino[i]), x.superblock().s_inode_size());
                }
            }
            d.store(6000L * BS, MemorySegment.ofArray(fresh), 0, fresh.length);
            d.store(6002L * BS, MemorySegment.ofArray(appended), 0, BS);
            int tid = startRecovery(d);
            FastCommitWriter w = new FastCommitWriter(BS).head(tid)
                    .inode(30, with(raw[2], 8192, 1)).addRange(30, 0, 2, 6000).dentry(FastCommitLog.CREAT, 2, 30, "fresh")
                    .inode(30, with(raw[2], 8192, 1)).tail(tid, false)
                    .addRange(ino[1], 13, 1, 6002).inode(ino[1], with(raw[1], 14 * BS, 1)).tail(tid, false)
                    .delRange(ino[0], 1, 0x7fffffff).inode(ino[0], with(raw[0], BS, 1)).tail(tid, false)
                    .dentry(FastCommitLog.LINK, ino[4], ino[2], "keep-link").inode(ino[2], with(raw[2], 3000, 2)).tail(tid, false)
                    .dentry(FastCommitLog.UNLINK, 2, ino[3], "gone").tail(tid, false)
                    .inode(31, with(raw[5], BS, 2)).dentry(FastCommitLog.CREAT, 2, 31, "newdir").tail(tid, false)
                    .dentry(FastCommitLog.CREAT, 2, 32, "torn").tail(tid, true);
            writeFastCommitArea(d, w);
        }
        try (DaxDevice d = PmemDevices.open(img); FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none())) {
            assertArrayEquals(fresh, read(fs, "/fresh"));
            byte[] b2 = Arrays.copyOf(b, 14 * BS);
            System.arraycopy(appended, 0, b2, 13 * BS, BS);
            assertArrayEquals(b2, read(fs, "/b"), "the append: a block past the old end, zeros between");
            assertArrayEquals(Arrays.copyOf(a, BS), read(fs, "/a"), "the truncate");
            assertArrayEquals(keep, read(fs, "/sub/keep-link"));
            assertEquals(fs.resolve("/keep", true), fs.resolve("/sub/keep-link", true));
            assertEquals(2, fs.stat(fs.resolve("/keep", true)).nlink());
            assertThrows(FsException.class, () -> fs.resolve("/gone", true));
            assertThrows(FsException.class, () -> fs.resolve("/torn", true), "the torn fast commit is not replayed");
            long nd = fs.resolve("/newdir", true);
            assertTrue(fs.stat(nd).isDirectory());
            assertEquals(2, fs.stat(nd).nlink());
            assertEquals(0, fs.readdir(nd).stream().filter(e -> !e.name().startsWith(".")).count());
            fs.create(nd, "after", 0644, 0, 0);
        }
        Tools.Result fsck = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, fsck.status(), fsck.output());
        try (DaxDevice d = PmemDevices.open(img)) {
            Ext4Superblock sb = Ext4FileSystem.readSuperblock(d);
            assertFalse(Jbd2Journal.open(d, BS, Ext4FileSystem.journalBlockMap(d, sb)).needsRecovery());
        }
    }

    /** An inode's bytes with another size and link count (what an INODE record logs of a changed inode). */
    private static byte[] with(byte[] raw, long size, int links) {
        ByteBuffer b = ByteBuffer.wrap(raw.clone()).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0x4, (int) size);
        b.putInt(0x6C, (int) (size >>> 32));
        b.putShort(0x1A, (short) links);
        return b.array();
    }

    /**
     * The journal as a crash after fast commits leaves it: s_start set with no full commit after
     * s_sequence (its first log block zeroed), the fast-commit feature on, needs_recovery in the
     * superblock. Returns the transaction the fast commits follow.
     */
    private static int startRecovery(DaxDevice d) throws FsException {
        Ext4Superblock sb = Ext4FileSystem.readSuperblock(d);
        long[] journal = Ext4FileSystem.journalBlockMap(d, sb);
        ByteBuffer jsb = ByteBuffer.allocate(1024).order(ByteOrder.BIG_ENDIAN);
        d.load(journal[0] * BS, MemorySegment.ofArray(jsb.array()), 0, 1024);
        d.store(journal[jsb.getInt(0x14)] * BS, MemorySegment.ofArray(new byte[BS]), 0, BS);
        jsb.putInt(0x1C, jsb.getInt(0x14));
        jsb.putInt(0x28, jsb.getInt(0x28) | Jbd2Journal.INCOMPAT_FAST_COMMIT);
        d.store(journal[0] * BS, MemorySegment.ofArray(jsb.array()), 0, 1024);
        sb.b.putInt(0x60, sb.s_feature_incompat() | Ext4Superblock.INCOMPAT_RECOVER);
        sb.updateChecksum();
        d.store(Ext4Superblock.OFFSET, MemorySegment.ofArray(sb.bytes()), 0, Ext4Superblock.SIZE);
        return jsb.getInt(0x18);
    }

    /** The fast-commit area starts at j_last + 1, j_last being s_maxlen - s_num_fc_blks. */
    private static void writeFastCommitArea(DaxDevice d, FastCommitWriter w) throws FsException {
        long[] journal = Ext4FileSystem.journalBlockMap(d, Ext4FileSystem.readSuperblock(d));
        ByteBuffer jsb = ByteBuffer.allocate(1024).order(ByteOrder.BIG_ENDIAN);
        d.load(journal[0] * BS, MemorySegment.ofArray(jsb.array()), 0, 1024);
        int first = jsb.getInt(0x10) - jsb.getInt(0x54) + 1;
        for (int i = 0; i < w.blocks.size(); i++) {
            d.store(journal[first + i] * BS, MemorySegment.ofArray(w.blocks.get(i)), 0, BS);
        }
        d.fence();
    }

    private static byte[] read(FileSystem fs, String path) throws FsException {
        try (OpenFile f = fs.open(fs.resolve(path, true), OpenFlags.O_RDONLY)) {
            byte[] out = new byte[(int) f.size()];
            f.read(0, out, 0, out.length);
            return out;
        }
    }
}
