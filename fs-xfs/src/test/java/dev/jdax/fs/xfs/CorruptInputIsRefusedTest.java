package dev.jdax.fs.xfs;

import dev.jdax.vfs.Vfs;
import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.MountOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** Bad magic, bad CRCs, out-of-range pointers, loops and a dirty log end in FsException naming the structure. */
class CorruptInputIsRefusedTest {
    @TempDir
    static Path tmp;
    static Path img;
    static byte[] fileData;
    DaxDevice dev;

    @BeforeAll
    static void makeImage() throws Exception {
        XfsImages.assumeXfsprogs();
        fileData = new byte[8192];
        new Random(1).nextBytes(fileData);
        Path f = tmp.resolve("f");
        Files.write(f, fileData);
        StringBuilder p = new StringBuilder("/dev/null\n0 0\nd--755 0 0\nf ---644 0 0 " + f + "\nd d--755 0 0\n");
        for (int i = 0; i < 40; i++) {
            p.append(" entry").append(i).append(" ---644 0 0 ").append(f).append('\n');
        }
        p.append(" $\n$\n");
        Files.writeString(tmp.resolve("proto"), p);
        img = XfsImages.mkfs(tmp, tmp.resolve("proto"));
    }

    @AfterEach
    void close() throws Exception {
        if (dev != null) {
            dev.close();
        }
    }

    DaxDevice fresh() throws Exception {
        if (dev != null) {
            dev.close();
        }
        dev = XfsImages.load(img);
        return dev;
    }

    XfsFileSystem mount() throws FsException {
        return (XfsFileSystem) new XfsFileSystemType().mount(dev, MountOptions.none());
    }

    byte[] read(long off, int len) throws FsException {
        byte[] b = new byte[len];
        dev.load(off, MemorySegment.ofArray(b), 0, len);
        return b;
    }

    void write(long off, byte[] b) throws FsException {
        dev.store(off, MemorySegment.ofArray(b), 0, b.length);
    }

    FsException refused(Errno errno, String text) {
        FsException e = assertThrows(FsException.class, this::mount);
        assertEquals(errno, e.errno(), e.getMessage());
        assertTrue(e.getMessage().contains(text), e.getMessage());
        return e;
    }

    @Test
    void superblockWithBadMagicIsRefused() throws Exception {
        fresh();
        write(0, new byte[]{'X', 'F', 'S', 'C'});
        refused(Errno.EUCLEAN, "superblock magic 0x58465343");
    }

    @Test
    void superblockWithBadCrcIsEbadmsg() throws Exception {
        fresh();
        write(108, new byte[]{'l'});
        refused(Errno.EBADMSG, "superblock: CRC");
    }

    @Test
    void unknownIncompatFeaturesAreNamed() throws Exception {
        fresh();
        byte[] sb = read(0, 512);
        Buf.put32(sb, 216, Buf.be32(sb, 216) | 1 << 10 | XfsSuperblock.INCOMPAT_NEEDSREPAIR);
        XfsCrc.update(sb, 0, 512, XfsSuperblock.SB_CRC_OFF);
        write(0, sb);
        refused(Errno.EOPNOTSUPP, "needsrepair, unknown_bit_10");
    }

    /**
     * A dirty log holding an item jdax does not replay (an rmap update intent, which only an rmapbt
     * file system logs) refuses the mount, read-only or not, and not a byte of the image changes.
     */
    @Test
    void aLogWithAnItemJdaxCannotReplayIsRefusedAndLeavesTheImageAsItWas() throws Exception {
        fresh();
        byte[] rui = new byte[16];
        Buf.putLe16(rui, 0, 0x1240);
        Buf.putLe16(rui, 2, 1);
        IntentsFinishedAtMountTest.crashWithIntents(dev, java.util.List.of(rui));
        String before = XfsImages.digest(dev);
        FsException e = refused(Errno.EOPNOTSUPP, "RUI, rmap update intent");
        assertTrue(e.getMessage().contains("mount the image with Linux"), e.getMessage());
        assertThrows(FsException.class, () -> new XfsFileSystemType().mount(dev, MountOptions.parse("ro")));
        assertEquals(before, XfsImages.digest(dev), "the image is untouched");
    }

    /** An intent that fails its validator (a CUI of an unknown type) is corruption, found before a byte is replayed. */
    @Test
    void aLogWithACorruptIntentIsRefusedAndLeavesTheImageAsItWas() throws Exception {
        fresh();
        IntentsFinishedAtMountTest.crashWithIntents(dev, java.util.List.of(
                IntentsFinishedAtMountTest.cui(3, new long[]{100, 4, 9})));
        String before = XfsImages.digest(dev);
        refused(Errno.EUCLEAN, "extent 0: flags 0x9");
        assertEquals(before, XfsImages.digest(dev), "the image is untouched");
    }

    /** A record that fails its CRC far behind the head is corruption, not a torn write: refused. */
    @Test
    void aLogRecordWithABadCrcBehindTheHeadIsRefused() throws Exception {
        fresh();
        XfsDisk disk = new XfsDisk(dev, XfsSuperblock.wrap(read(0, 512)));
        XfsLog log = new XfsLog(disk);
        LogWriter w = log.writer(log.reader().find());
        long first = w.headLsn();
        // 400 records of two sectors: the first lies far beyond the eight iclogs a crash can tear.
        for (int i = 0; i < 400; i++) {
            w.checkpoint(100 + i, java.util.List.of(LogFormat.extentFree(LogFormat.XFS_LI_EFD, i, new long[0][])));
        }
        long at = disk.fsbToByte(disk.sb().sb_logstart()) + (long) LogFormat.blockOf(first) * 512 + 512 + 40;
        byte[] b = read(at, 1);
        b[0] ^= 1;
        write(at, b);
        refused(Errno.EUCLEAN, "CRC");
    }

    @Test
    void rootInodeWithBadCrcIsEbadmsgNamingIt() throws Exception {
        fresh();
        XfsDisk disk = new XfsDisk(dev, XfsSuperblock.wrap(read(0, 512)));
        write(disk.inoToByte(disk.sb().sb_rootino()) + 92, new byte[]{1, 2, 3, 4});
        refused(Errno.EBADMSG, "inode " + disk.sb().sb_rootino() + ": CRC");
    }

    @Test
    void extentBeyondTheFileSystemIsRefused() throws Exception {
        fresh();
        XfsFileSystem fs = mount();
        long ino = XfsImages.lookup(fs, fs.rootIno(), "f");
        XfsDisk disk = fs.disk();
        byte[] raw = read(disk.inoToByte(ino), 512);
        BmapExtent e = BmapExtent.decode(raw, XfsInode.CORE_SIZE);
        new BmapExtent(0, disk.fsb(3, disk.agblocks() - 1), e.blockcount(), false).encode(raw, XfsInode.CORE_SIZE);
        XfsCrc.update(raw, 0, raw.length, XfsInode.DI_CRC_OFF);
        write(disk.inoToByte(ino), raw);
        XfsFileSystem again = mount();
        FsException ex = assertThrows(FsException.class, () -> XfsImages.readAll(again, ino));
        assertEquals(Errno.EUCLEAN, ex.errno());
        assertTrue(ex.getMessage().contains("inode " + ino + " data fork: extent"), ex.getMessage());
    }

    @Test
    void directoryBlockWithBadCrcIsEbadmsg() throws Exception {
        fresh();
        XfsFileSystem fs = mount();
        long d = XfsImages.lookup(fs, fs.rootIno(), "d");
        BmapExtent e = fs.extents(fs.iget(d)).getFirst();
        long off = fs.disk().fsbToByte(e.startblock()) + 200;
        byte[] b = read(off, 1);
        b[0] ^= 0x40;
        write(off, b);
        FsException ex = assertThrows(FsException.class, () -> mount().iget(d).readdir());
        assertEquals(Errno.EBADMSG, ex.errno());
        assertTrue(ex.getMessage().contains("directory inode " + d + " data block 0: CRC"), ex.getMessage());
    }

    /** Turns file f into btree format: a root in the inode pointing at one leaf we write. */
    long toBtree(XfsFileSystem fs, boolean loop) throws Exception {
        long ino = XfsImages.lookup(fs, fs.rootIno(), "f");
        XfsDisk disk = fs.disk();
        byte[] raw = read(disk.inoToByte(ino), 512);
        BmapExtent e = BmapExtent.decode(raw, XfsInode.CORE_SIZE);
        long leaf = disk.fsb(1, 100);
        byte[] b = new byte[disk.blockSize()];
        BtreeBlock.init(b, XfsBmap.XFS_BMAP_CRC_MAGIC, true, 0, 1, disk.fsbToDaddr(leaf), ino, disk.sb().metaUuid());
        if (loop) {
            Buf.put64(b, 16, leaf);
        }
        e.encode(b, BtreeBlock.LONG_LEN);
        BtreeBlock.seal(b, true);
        write(disk.fsbToByte(leaf), b);
        int forkSize = raw.length - XfsInode.CORE_SIZE;
        int maxrecs = (forkSize - 4) / 16;
        java.util.Arrays.fill(raw, XfsInode.CORE_SIZE, raw.length, (byte) 0);
        Buf.put16(raw, XfsInode.CORE_SIZE, 1);
        Buf.put16(raw, XfsInode.CORE_SIZE + 2, 1);
        Buf.put64(raw, XfsInode.CORE_SIZE + 4, 0);
        Buf.put64(raw, XfsInode.CORE_SIZE + 4 + maxrecs * 8, leaf);
        raw[5] = XfsInode.FMT_BTREE;
        XfsCrc.update(raw, 0, raw.length, XfsInode.DI_CRC_OFF);
        write(disk.inoToByte(ino), raw);
        return ino;
    }

    @Test
    void btreeFormatFileReadsThroughItsLeaf() throws Exception {
        fresh();
        long ino = toBtree(mount(), false);
        XfsFileSystem fs = mount();
        assertEquals(XfsInode.FMT_BTREE, fs.iget(ino).di_format());
        assertArrayEquals(fileData, XfsImages.readAll(fs, ino));
    }

    @Test
    void bmbtLeafChainLoopIsRefused() throws Exception {
        fresh();
        long ino = toBtree(mount(), true);
        XfsFileSystem fs = mount();
        FsException ex = assertThrows(FsException.class, () -> XfsImages.readAll(fs, ino));
        assertEquals(Errno.EUCLEAN, ex.errno());
        assertTrue(ex.getMessage().contains("inode " + ino), ex.getMessage());
    }

    @Test
    void agHeadersWithBadCrcOrPointersAreRefused() throws Exception {
        fresh();
        XfsDisk disk = new XfsDisk(dev, XfsSuperblock.wrap(read(0, 512)));
        long agfl = disk.agbToByte(1, 0) + 3 * 512;
        write(agfl + 100, new byte[]{0x12});
        refused(Errno.EBADMSG, "AGFL 1: CRC");
        fresh();
        long agf = disk.agbToByte(2, 0) + 512;
        byte[] b = read(agf, 512);
        Buf.put32(b, 16, disk.agblocks() + 5);     // agf_bnoroot beyond the AG
        XfsCrc.update(b, 0, 512, XfsAgf.CRC_OFF);
        write(agf, b);
        refused(Errno.EUCLEAN, "AGF 2: roots");
        fresh();
        long agi = disk.agbToByte(3, 0) + 2 * 512;
        write(agi, new byte[]{'X', 'A', 'G', 'J'});
        refused(Errno.EUCLEAN, "AGI 3: magic");
    }

    /** A writable mount changes the trees record by record: trees that disagree are refused first. */
    @Test
    void agTreesThatDisagreeAreRefusedForWriting() throws Exception {
        fresh();
        XfsDisk disk = new XfsDisk(dev, XfsSuperblock.wrap(read(0, 512)));
        long agf = disk.agbToByte(1, 0) + 512;
        long agfl = disk.agbToByte(1, 0) + 3 * 512;
        byte[] f = read(agf, 512);
        byte[] l = read(agfl, 512);
        Buf.put32(l, Agfl.HDR + (int) Buf.be32(f, 40) * 4, disk.agblocks() - 1);   // the AG's last block: free
        XfsCrc.update(l, 0, 512, Agfl.CRC_OFF);
        write(agfl, l);
        refused(Errno.EUCLEAN, "AGFL 1: block " + (disk.agblocks() - 1) + " is free space too");
        new XfsFileSystemType().mount(dev, MountOptions.parse("ro")).close();   // reading needs no AGFL
        fresh();
        long cntRoot = Buf.be32(read(disk.agbToByte(2, 0) + 512, 512), 20);
        long at = disk.agbToByte(2, cntRoot);
        byte[] leaf = read(at, disk.blockSize());
        Buf.put32(leaf, BtreeBlock.SHORT_LEN + 4, Buf.be32(leaf, BtreeBlock.SHORT_LEN + 4) - 1);   // one block shorter
        BtreeBlock.seal(leaf, false);
        write(at, leaf);
        refused(Errno.EUCLEAN, "not in the bnobt");
    }

    @Test
    void unknownMountOptionIsEinval() throws Exception {
        fresh();
        FsException e = assertThrows(FsException.class,
                () -> Vfs.mount(new XfsFileSystemType(), dev, MountOptions.parse("nosuchopt")));
        assertEquals(Errno.EINVAL, e.errno());
    }
}
