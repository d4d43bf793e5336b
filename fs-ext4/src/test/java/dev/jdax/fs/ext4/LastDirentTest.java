package dev.jdax.fs.ext4;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.MkfsOptions;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.Vnode;
import dev.jdax.pmem.PmemDevices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A name put back where its directory's last change removed it, and one found where its create put
 * it ({@link LastDirent}), leave the records the walks leave ({@code search_dirblock},
 * {@code ext4_find_dest_de}'s first record with room). Two directories of one file system take the
 * same operations in the same order; before each, the second forgets what its last change left, so
 * that it walks. After every step both hold the same records (block, offset, rec_len and name, in
 * block order): in a linear directory and in a hashed one whose leaves split meanwhile, with
 * temporary names made and unlinked again and again among creates, unlinks, renames and lookups of
 * other names. The second also reads its leaves afresh before each step; what the first keeps of
 * its leaves ({@link LeafRecords}), brought up to date by each change, is after every step what a
 * build from the block gives. e2fsck finds the image clean.
 */
class LastDirentTest {
    @TempDir
    Path tmp;

    private record Rec(long lblk, int offset, int recLen, String name) {
    }

    /** The records of {@code dir} (block, offset, rec_len, name; an empty record's name ""), in block order. */
    private static List<Rec> records(Ext4FileSystem ext4, Ext4Inode dir) throws FsException {
        List<Rec> out = new ArrayList<>();
        for (Ext4Dir.Entry e : ext4.directories().entries(dir)) {
            out.add(new Rec(e.lblk(), e.offset(), e.recLen(), e.ino() == 0 ? "" : e.name()));
        }
        return out;
    }

    /** unlink as the VFS does it: the victim's inode in core, evicted once its last link is gone. */
    private static void unlink(Ext4FileSystem ext4, Ext4Inode dir, String name) throws FsException {
        Ext4Inode victim = ext4.iget(dir.lookup(name));
        dir.unlink(name, victim);
        victim.evict();
    }

    @ParameterizedTest(name = "{0} names")
    @ValueSource(ints = {40, 3000})
    void namesGoWhereTheWalksWouldPutThem(int names) throws Exception {
        Tools.require("e2fsck");
        Path img = tmp.resolve("d.img");
        try (DaxDevice d = PmemDevices.create(img, 64 << 20)) {
            new Ext4FileSystemType().mkfs(d, MkfsOptions.defaults());
        }
        try (DaxDevice d = PmemDevices.open(img)) {
            Ext4FileSystem ext4 = (Ext4FileSystem) new Ext4FileSystemType().mount(d, MountOptions.none());
            try {
                Ext4Inode root = ext4.iget(ext4.rootIno());
                Ext4Inode kept = (Ext4Inode) root.mkdir("kept", 0755, 0, 0);
                Ext4Inode walked = (Ext4Inode) root.mkdir("walked", 0755, 0, 0);
                List<String> live = new ArrayList<>();
                for (int i = 0; i < names; i++) {
                    live.add("name-" + i);
                }
                for (Ext4Inode dir : List.of(kept, walked)) {
                    for (String n : live) {
                        dir.create(n, 0644, 0, 0);
                    }
                }
                SplittableRandom r = new SplittableRandom(names);
                String tmpName = "tmp-0";
                int putBack = 0;
                int foundKept = 0;
                for (int step = 0; step < 3000; step++) {
                    int op = r.nextInt(10);
                    if (r.nextInt(4) == 0) {
                        tmpName = "tmp-" + r.nextInt(3); // mostly the same temporary name made and unlinked again
                    }
                    String other = live.get(r.nextInt(live.size()));
                    String made = "made-" + step + "x".repeat(r.nextInt(12));
                    for (Ext4Inode dir : List.of(kept, walked)) {
                        if (dir == walked) {
                            dir.lastDirent = null; // this one walks
                            dir.dirLeaves = null; // and reads its leaves afresh
                        }
                        LastDirent last = dir.lastDirent;
                        switch (op) {
                            case 0, 1, 2, 3, 4, 5 -> {
                                if (dir.lookup(tmpName) == Vnode.NO_INO) {
                                    putBack += last != null && !last.added() && last.holds(dir, false, bytes(tmpName)) ? 1 : 0;
                                    dir.create(tmpName, 0644, 0, 0);
                                } else {
                                    foundKept += last != null && last.holds(dir, true, bytes(tmpName)) ? 1 : 0;
                                    unlink(ext4, dir, tmpName);
                                }
                            }
                            case 6 -> dir.create(made, 0644, 0, 0);
                            case 7 -> unlink(ext4, dir, other);
                            case 8 -> dir.rename(other, ext4.iget(dir.lookup(other)), dir, made, null, 0);
                            default -> assertNotEquals(Vnode.NO_INO, dir.lookup(other));
                        }
                    }
                    switch (op) {
                        case 6 -> live.add(made);
                        case 7 -> live.remove(other);
                        case 8 -> live.set(live.indexOf(other), made);
                        default -> { }
                    }
                    assertSameRecords(records(ext4, walked), records(ext4, kept), "step " + step + ", operation " + op);
                    assertKeptLeavesAsBuilt(ext4, kept, "step " + step + ", operation " + op);
                }
                // Of about 900 creates and 900 unlinks of the temporary names, those that follow
                // the same name's unlink or create with nothing between.
                assertTrue(putBack > 200, "names put back where they were removed: " + putBack);
                assertTrue(foundKept > 200, "names found where their create put them: " + foundKept);
            } finally {
                ext4.close();
            }
        }
        Tools.Result check = Tools.run("e2fsck", "-fn", img.toString());
        assertEquals(0, check.status(), check.output());
    }

    /** What {@code dir} keeps of each leaf ({@link LeafRecords}) is what a build from the block gives. */
    private static void assertKeptLeavesAsBuilt(Ext4FileSystem ext4, Ext4Inode dir, String when) throws FsException {
        DirLeaves leaves = dir.dirLeaves;
        long blocks = dir.i_size() / ext4.blockSize();
        int kept = 0;
        for (long lblk = 0; leaves != null && lblk < blocks; lblk++) {
            LeafRecords r = leaves.get(lblk);
            if (r != null) {
                kept++;
                assertTrue(r.sameAs(LeafRecords.of(ext4.directories().readLeaf(dir, lblk), r.end)), when + ": leaf " + lblk);
            }
        }
        assertTrue(kept > 0, when + ": no leaf kept");
    }

    /** The first record where the two differ, named, rather than two lists of thousands. */
    private static void assertSameRecords(List<Rec> walked, List<Rec> kept, String when) {
        for (int i = 0; i < Math.min(walked.size(), kept.size()); i++) {
            assertEquals(walked.get(i), kept.get(i), when + ": record " + i);
        }
        assertEquals(walked.size(), kept.size(), when + ": records");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void aNameFoundWhereItsCreatePutItIsTheRecordTheWalkFinds() throws Exception {
        try (DaxDevice d = PmemDevices.memory(32 << 20)) {
            new Ext4FileSystemType().mkfs(d, MkfsOptions.defaults());
            Ext4FileSystem ext4 = (Ext4FileSystem) new Ext4FileSystemType().mount(d, MountOptions.none());
            try {
                Ext4Inode dir = (Ext4Inode) ext4.iget(ext4.rootIno()).mkdir("d", 0755, 0, 0);
                for (int i = 0; i < 500; i++) {
                    dir.create("n-" + i, 0644, 0, 0);
                }
                long ino = dir.create("lock", 0644, 0, 0).ino();
                assertTrue(dir.lastDirent != null && dir.lastDirent.added(), "the create left where it put the name");
                Ext4Dir.Entry kept = ext4.directories().find(dir, "lock");
                dir.lastDirent = null;
                Ext4Dir.Entry walked = ext4.directories().find(dir, "lock");
                assertEquals(walked, kept);
                assertEquals(ino, kept.ino());
            } finally {
                ext4.close();
            }
        }
    }
}
