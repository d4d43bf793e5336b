package dev.jdax.fs.xfs;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MkfsOptions;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.pmem.PmemDevices;
import dev.jdax.vfs.Vfs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Blocks land where Linux 6.1 puts them. jdax's mkfs with 4 KiB sectors leaves what mkfs.xfs
 * leaves on /dev/pmem0 (headers, btree roots, AGFL and free extents of every AG, as xfs_db prints
 * them), and files written 4 KiB at a time get the blocks the kernel gave the same writes on such
 * a file system (measured with the oracle: the compare catalogue's sparse-fiemap,
 * interleaved-appends and write-far-beyond-eof), read back by xfs_db's bmap, xfs_repair -n clean.
 */
class BlockPlacementFollowsLinuxTest {
    private static final long SIZE = 320L << 20;
    private static final Pattern BMAP = Pattern.compile("data offset (\\d+) startblock (\\d+) \\(\\d+/\\d+\\) count (\\d+) flag (\\d)");

    @TempDir
    Path tmp;

    @Test
    void mkfsWithFourKiBSectorsLeavesWhatMkfsXfsLeaves() throws Exception {
        XfsImages.assumeXfsprogs();
        Path theirs = XfsImages.mkfs(tmp, SIZE, "-s", "size=4096", "-d", "size=320m");
        Path ours = tmp.resolve("jdax.img");
        try (DaxDevice dev = PmemDevices.memory(SIZE)) {
            new XfsFileSystemType().mkfs(dev, sect4k());
            XfsImages.save(dev, ours);
        }
        XfsImages.assertRepairClean(ours);
        for (int ag = 0; ag < 4; ag++) {
            String[] cmds = {"agf " + ag, "print", "agfl " + ag, "print", "agi " + ag, "print"};
            assertEquals(layout(XfsImages.db(theirs, cmds).output()), layout(XfsImages.db(ours, cmds).output()), "AG " + ag);
        }
        assertEquals(XfsImages.db(theirs, "freesp -d").output(), XfsImages.db(ours, "freesp -d").output());
        String sb = "sb 0";
        String fields = "print sectsize sectlog logsectsize logsectlog logsunit logstart rootino agblocks agcount";
        assertEquals(XfsImages.db(theirs, sb, fields).output(), XfsImages.db(ours, sb, fields).output());
    }

    @Test
    void sparseWritesFollowThePreviousBlockWithTheGap() throws Exception {
        // linux-6.1/xfs/sparse-fiemap.out: 4 KiB every 64 KiB, the first in the free run of
        // blocks 13-15 below the root inode chunk, each next one after it by the file's gap.
        assertEquals(List.of("0+1@13", "16+1@29", "32+1@45", "48+1@61", "64+1@77", "80+1@93", "96+1@109", "112+1@125"),
                placed(fs -> {
                    long f = fs.create(fs.rootIno(), "file", 0644, 0, 0);
                    for (int i = 0; i < 8; i++) {
                        XfsImages.write(fs, f, i * 65536L, block(i));
                    }
                    return new long[]{f};
                }).get(0));
    }

    @Test
    void twoFilesAppendedInTurnInterleaveAsOnLinux() throws Exception {
        // linux-6.1/xfs/interleaved-appends.out: 8 KiB (two 4 KiB writes) to each file in turn.
        List<List<String>> maps = placed(fs -> {
            long a = fs.create(fs.rootIno(), "a", 0644, 0, 0);
            long b = fs.create(fs.rootIno(), "b", 0644, 0, 0);
            for (int i = 0; i < 6; i++) {
                for (long f : new long[]{a, b}) {
                    XfsImages.write(fs, f, i * 8192L, block(i));
                    XfsImages.write(fs, f, i * 8192L + 4096, block(i));
                }
            }
            return new long[]{a, b};
        });
        assertEquals(List.of("0+2@13", "2+2@25", "4+2@29", "6+2@33", "8+2@37", "10+2@41"), maps.get(0));
        assertEquals(List.of("0+1@15", "1+1@24", "2+2@27", "4+2@31", "6+2@35", "8+2@39", "10+2@43"), maps.get(1));
    }

    @Test
    void aBlockFarBeyondEofFollowsThePreviousBlock() throws Exception {
        // linux-6.1/xfs/write-far-beyond-eof.out: the 1 GiB gap would leave the AG, so the block
        // goes right after the first; the block at 64 KiB, between them, beside the first's end.
        assertEquals(List.of("0+1@13", "16+1@15", "262144+1@14"), placed(fs -> {
            long f = fs.create(fs.rootIno(), "file", 0644, 0, 0);
            XfsImages.write(fs, f, 0, block(1));
            XfsImages.write(fs, f, 1L << 30, block(2));
            XfsImages.write(fs, f, 65536, block(3));
            return new long[]{f};
        }).get(0));
    }

    @Test
    void logRecordsFillWholeFourKiBLogSectors() throws Exception {
        // xlog_calc_iclog_size: a record's header and data together are padded to the log stripe
        // unit, here the 4 KiB log sector, and h_len counts the padding; Linux 6.1 found records
        // padded otherwise torn (a CRC failure) and threw away what they held.
        XfsImages.assumeXfsprogs();
        Path img = tmp.resolve("crashed.img");
        try (DaxDevice dev = PmemDevices.memory(SIZE)) {
            XfsFileSystemType type = new XfsFileSystemType();
            type.mkfs(dev, sect4k());
            FileSystem fs = Vfs.mount(type, dev, MountOptions.parse("dax"));
            long d = fs.mkdir(fs.rootIno(), "dir", 0755, 0, 0);
            for (int i = 0; i < 50; i++) {
                XfsImages.write(fs, fs.create(d, "f" + i, 0644, 0, 0), 0, block(i));
            }
            fs.fsync(d, false);
            XfsImages.save(dev, img);     // the device as a crash right now leaves it: the log dirty
            fs.close();
        }
        String print = XfsImages.run(List.of(XfsImages.tool("xfs_logprint").toString(), "-d", img.toString())).output();
        Matcher m = Pattern.compile("HEADER Cycle 1 tail \\d+:\\d+ len +(\\d+) ops").matcher(print);
        int records = 0;
        while (m.find()) {
            assertEquals(0, (512 + Long.parseLong(m.group(1))) % 4096, "a record of h_len " + m.group(1) + ":\n" + print);
            records++;
        }
        assertTrue(records > 1, print);
    }

    /** What a workload does on a fresh file system of jdax's mkfs with 4 KiB sectors. */
    interface Workload {
        long[] run(FileSystem fs) throws Exception;
    }

    /** Runs {@code w} and returns the extents xfs_db reads for each inode it names; xfs_repair -n judges the image. */
    private List<List<String>> placed(Workload w) throws Exception {
        XfsImages.assumeXfsprogs();
        Path img = tmp.resolve("placed.img");
        long[] inos;
        try (DaxDevice dev = PmemDevices.memory(SIZE)) {
            XfsFileSystemType type = new XfsFileSystemType();
            type.mkfs(dev, sect4k());
            try (FileSystem fs = Vfs.mount(type, dev, MountOptions.parse("dax"))) {
                inos = w.run(fs);
            }
            XfsImages.save(dev, img);
        }
        XfsImages.assertRepairClean(img);
        List<List<String>> maps = new ArrayList<>();
        for (long ino : inos) {
            maps.add(bmap(img, ino));
        }
        return maps;
    }

    private static MkfsOptions sect4k() {
        return new MkfsOptions(4096, List.of(), "", null, Map.of("sectsize", "4096"));
    }

    private static byte[] block(int fill) {
        byte[] d = new byte[4096];
        java.util.Arrays.fill(d, (byte) (fill + 1));
        return d;
    }

    /** The file's extents as xfs_db's bmap prints them: {@code OFFSET+COUNT@BLOCK}. */
    private static List<String> bmap(Path img, long ino) throws Exception {
        List<String> out = new ArrayList<>();
        Matcher m = BMAP.matcher(XfsImages.db(img, "inode " + ino, "bmap").output());
        while (m.find()) {
            out.add(m.group(1) + "+" + m.group(3) + "@" + m.group(2));
        }
        return out;
    }

    /** xfs_db's print of a header without what differs between any two file systems (UUID, CRC, LSN). */
    private static String layout(String print) {
        return print.lines().filter(l -> !l.startsWith("uuid") && !l.startsWith("crc") && !l.startsWith("lsn"))
                .reduce("", (x, y) -> x + y + "\n");
    }
}
