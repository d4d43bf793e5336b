package dev.jdax.fs.ext4;

import dev.jdax.vfs.Vfs;
import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.pmem.PmemDevices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Multiple-mount protection as fs/ext4/mmp.c keeps it: a clean MMP block is claimed without waiting,
 * advanced while mounted and left clean at unmount (debugfs dump_mmp and e2fsck -fn agree); fsck's
 * sequence refuses the mount; a sequence another node advances during the wait refuses it ("Device
 * is already in use."); a stale one is taken over after 2 * interval + 1 seconds. The waits are
 * played by a sleeper that acts as the other node, so the test does not sleep them.
 */
class MmpTest {
    @TempDir
    Path tmp;

    private Path image() throws Exception {
        Path img = tmp.resolve("mmp.img");
        Tools.Result mk = Tools.run("mke2fs", "-q", "-F", "-t", "ext4", "-O", "mmp", "-E", "mmp_update_interval=1", img.toString(), "16M");
        assertEquals(0, mk.status(), mk.output());
        return img;
    }

    private static int seq(DaxDevice d) throws FsException {
        Ext4Superblock sb = Ext4FileSystem.readSuperblock(d);
        byte[] b = new byte[8];
        d.load(sb.s_mmp_block() * sb.blockSize(), MemorySegment.ofArray(b), 0, 8);
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt(4);
    }

    /** Writes a sequence into the MMP block as another node would, checksum re-sealed. */
    private static void setSeq(DaxDevice d, int seq) throws FsException {
        Ext4Superblock sb = Ext4FileSystem.readSuperblock(d);
        long off = sb.s_mmp_block() * sb.blockSize();
        byte[] b = new byte[1024];
        d.load(off, MemorySegment.ofArray(b), 0, 1024);
        ByteBuffer m = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        m.putInt(4, seq);
        m.putInt(1020, Crc32c.update(sb.csumSeed(), b, 0, 1020));
        d.store(off, MemorySegment.ofArray(b), 0, 1024);
    }

    @Test
    void aCleanBlockIsClaimedAdvancedAndLeftClean() throws Exception {
        Path img = image();
        try (DaxDevice d = PmemDevices.open(img)) {
            int claimed;
            try (FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none())) {
                claimed = seq(d);
                assertNotEquals(Mmp.SEQ_CLEAN, claimed, "mounted: a sequence of this mount");
                fs.mkdir(fs.rootIno(), "d", 0755, 0, 0);
                Thread.sleep(2500); // kmmpd advances it every s_mmp_update_interval (1 s)
                assertNotEquals(claimed, seq(d), "advanced while mounted");
            }
            assertEquals(Mmp.SEQ_CLEAN, seq(d), "clean after the unmount");
            try (FileSystem fs = Vfs.mount(new Ext4FileSystemType(), d, MountOptions.parse("ro"))) {
                assertEquals(Mmp.SEQ_CLEAN, seq(d), "a read-only mount leaves it alone");
            }
        }
        Tools.Result fsck = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, fsck.status(), fsck.output());
        assertTrue(Tools.run("debugfs", "-R", "dump_mmp", img.toString()).output().contains("sequence: ff4d4d50"));
    }

    @Test
    void fsckOrAnotherNodeRefusesTheMountAndAStaleSequenceIsTakenOver() throws Exception {
        Path img = image();
        try (DaxDevice d = PmemDevices.open(img)) {
            Ext4Superblock sb = Ext4FileSystem.readSuperblock(d);
            setSeq(d, Mmp.SEQ_FSCK);
            FsException fsck = assertThrows(FsException.class, () -> Vfs.mount(new Ext4FileSystemType(), d, MountOptions.none()));
            assertEquals(Errno.EBUSY, fsck.errno());
            assertTrue(fsck.getMessage().contains("fsck is running on the filesystem"), fsck.getMessage());

            setSeq(d, 1234);
            List<Long> waits = new ArrayList<>();
            FsException busy = assertThrows(FsException.class, () -> Mmp.start(d, sb, s -> {
                waits.add(s);
                setSeq(d, 1235); // the node that has it mounted advances its sequence meanwhile
            }));
            assertTrue(busy.getMessage().contains("Device is already in use."), busy.getMessage());
            assertEquals(List.of(2L * Mmp.MIN_CHECK_INTERVAL + 1), waits, "min(2 * interval + 1, interval + 60) seconds");

            waits.clear();
            try (Mmp taken = Mmp.start(d, sb, waits::add)) {
                assertEquals(List.of(11L, 11L), waits, "a stale sequence: waited, claimed, waited again");
                assertNotEquals(1235, seq(d));
            }
            assertEquals(Mmp.SEQ_CLEAN, seq(d));
        }
    }
}
