package dev.jdax.fs.xfs;

import dev.jdax.api.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The inode B+trees grow as inode chunks are allocated (inobt) and as chunks gain a free inode
 * (finobt), and shrink as the last inode of a chunk is freed and the chunk with it, as Linux
 * does without ikeep: xfs_repair -n finds each state clean and xfs_db reads the heights.
 */
class InodeTreesGrowAndShrinkTest {
    @TempDir
    Path tmp;

    /** A file and the directory that names it. */
    record Named(long dir, String name, long ino) {
    }

    /** The figure: on a 2 GiB XFS the 16,125th file (252 chunks, one full inobt leaf) could not be made. */
    @Test
    void twentyThousandFilesInOneAgGrowBothTreesToTwoLevelsAndGoAway() throws Exception {
        XfsImages.assumeXfsprogs();
        Path img = XfsImages.mkfs(tmp, 2L << 30);
        List<Named> files = new ArrayList<>();
        List<Named> dirs = new ArrayList<>();
        XfsImages.change(img, (fs, m) -> {
            // New directories go to the AGs in turn (xfs_dialloc's rotor), a file to its
            // directory's AG: the files go into the directories that landed in AG 0.
            for (int d = 0; files.size() < 20_000; d++) {
                long dir = fs.mkdir(fs.rootIno(), "d" + d, 0755, 0, 0);
                dirs.add(new Named(fs.rootIno(), "d" + d, dir));
                if (m.format().disk().inoAgno(dir) != 0) {
                    continue;
                }
                for (int f = 0; f < 100; f++) {
                    files.add(new Named(dir, "f" + f, fs.create(dir, "f" + f, 0644, 0, 0)));
                }
            }
            // One inode freed in every chunk: each chunk now has a free inode, and a finobt record.
            freeOnePerChunk(fs, files);
        });
        XfsImages.assertRepairClean(img);
        assertEquals(2, XfsImages.field(img, "agi 0", "level"));
        assertEquals(2, XfsImages.field(img, "agi 0", "free_level"));

        XfsImages.change(img, (fs, m) -> removeAll(fs, files, dirs));
        XfsImages.assertRepairClean(img);
        assertEquals(1, XfsImages.field(img, "agi 0", "level"));
        assertEquals(1, XfsImages.field(img, "agi 0", "free_level"));
        assertEquals(64, XfsImages.field(img, "sb 0", "icount"), "the chunks went with their last inodes");
    }

    /** Trees made several levels deep by mkfs.xfs mount writable and keep changing. */
    @Test
    void aProtofileImageWithTwoLevelInodeTreesMountsWritable() throws Exception {
        XfsImages.assumeXfsprogs();
        Path empty = Files.createFile(tmp.resolve("empty"));
        StringBuilder proto = new StringBuilder("/dev/null\n0 0\nd--755 0 0\n");
        for (int d = 0; d < 340; d++) {
            proto.append(" d").append(d).append(" d--755 0 0\n");
            for (int f = 0; f < 100; f++) {
                proto.append("  f").append(f).append(" ---644 0 0 ").append(empty).append('\n');
            }
            proto.append(" $\n");
        }
        proto.append("$\n");
        Path protoFile = tmp.resolve("proto");
        Files.writeString(protoFile, proto);
        // Two AGs, the directories spread over both as Linux spreads them: 17,000 inodes in each.
        Path img = XfsImages.mkfs(tmp, 300L << 20, "-d", "agcount=2", "-p", protoFile.toString());
        assertEquals(2, XfsImages.field(img, "agi 0", "level"), "mkfs.xfs made a two-level inobt");
        assertEquals(2, XfsImages.field(img, "agi 1", "level"));
        XfsImages.change(img, (fs, m) -> {
            for (int d = 0; d < 340; d++) {
                long dir = fs.lookup(fs.rootIno(), "d" + d);
                for (int f = d % 2; f < 100; f += 2) {
                    fs.unlink(dir, "f" + f);
                }
                fs.create(dir, "new", 0644, 0, 0);
            }
        });
        XfsImages.assertRepairClean(img);
        assertEquals(2, XfsImages.field(img, "agi 0", "free_level"));
        assertEquals(2, XfsImages.field(img, "agi 1", "free_level"));
    }

    /**
     * With 1 KiB blocks a leaf holds 60 chunks and a node 121 children, so a third level takes
     * some 7,300 chunks, 470,000 inodes: a run of about a minute, made with -Djdax.slow=true.
     */
    @Test
    @EnabledIfSystemProperty(named = "jdax.slow", matches = "true")
    void halfAMillionInodesGrowBothTreesToThreeLevelsAndBack() throws Exception {
        XfsImages.assumeXfsprogs();
        Path img = XfsImages.mkfs(tmp, 600L << 20, "-b", "size=1024", "-d", "agcount=2");
        List<Named> files = new ArrayList<>();
        List<Named> dirs = new ArrayList<>();
        XfsImages.change(img, (fs, m) -> {
            // Shortform directories only (31 entries each): jdax writes no directory blocks of
            // several fs blocks, which 1 KiB blocks come with.
            for (int a = 0; a < 32 && files.size() < 470_000; a++) {
                long da = fs.mkdir(fs.rootIno(), name(a), 0755, 0, 0);
                dirs.add(new Named(fs.rootIno(), name(a), da));
                for (int b = 0; b < 32 && files.size() < 470_000; b++) {
                    long db = fs.mkdir(da, name(b), 0755, 0, 0);
                    dirs.add(new Named(da, name(b), db));
                    for (int c = 0; c < 32 && files.size() < 470_000; c++) {
                        long dc = fs.mkdir(db, name(c), 0755, 0, 0);
                        dirs.add(new Named(db, name(c), dc));
                        for (int f = 0; f < 31; f++) {
                            files.add(new Named(dc, name(f), fs.create(dc, name(f), 0644, 0, 0)));
                        }
                    }
                }
            }
        });
        XfsImages.assertRepairClean(img);
        assertEquals(3, XfsImages.field(img, "agi 0", "level"));
        XfsImages.change(img, (fs, m) -> freeOnePerChunk(fs, files));
        XfsImages.assertRepairClean(img);
        assertEquals(3, XfsImages.field(img, "agi 0", "free_level"));
        XfsImages.change(img, (fs, m) -> removeAll(fs, files, dirs));
        XfsImages.assertRepairClean(img);
        assertEquals(1, XfsImages.field(img, "agi 0", "level"));
        assertEquals(1, XfsImages.field(img, "agi 0", "free_level"));
    }

    /** Unlinks the first file of every inode chunk, marking it gone in {@code files}. */
    private static void freeOnePerChunk(FileSystem fs, List<Named> files) throws Exception {
        java.util.Set<Long> chunks = new java.util.HashSet<>();
        for (int i = 0; i < files.size(); i++) {
            Named n = files.get(i);
            if (chunks.add(n.ino() >>> 6)) {
                fs.unlink(n.dir(), n.name());
                files.set(i, new Named(n.dir(), n.name(), -1));
            }
        }
    }

    /** Unlinks every file left, then removes the directories, deepest first. */
    private static void removeAll(FileSystem fs, List<Named> files, List<Named> dirs) throws Exception {
        for (Named n : files) {
            if (n.ino() >= 0) {
                fs.unlink(n.dir(), n.name());
            }
        }
        for (Named d : dirs.reversed()) {
            fs.rmdir(d.dir(), d.name());
        }
    }

    private static String name(int i) {
        return Integer.toString(i, 32) + "x";
    }
}
