package dev.jdax.fs.xfs;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.MkfsOptions;
import dev.jdax.pmem.PmemDevices;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A push writes the committed metadata home, and keeps in the cache the buffers used since the
 * previous push, as Linux's buffer cache keeps the buffers its LRU finds referenced: a directory
 * of thousands of names that is changed again after a push is not read from the device and
 * verified again, block by block, on every change. Buffers nobody used between two pushes leave
 * the cache, so it stays the size of what is in use.
 */
class PushKeepsBuffersInUseTest {
    private static final int NAMES = 5_000;

    @Test
    void aDirectoryChangedAgainAfterAPushIsNotReadFromTheDevice() throws Exception {
        try (DaxDevice dev = PmemDevices.memory(XfsImages.SIZE)) {
            XfsImages.Mounted m = XfsImages.Mounted.rw(mkfs(dev));
            FileSystem fs = m.fs();
            long dir = bigDirectory(fs);
            int bs = m.format().disk().blockSize();
            long leafSpace = XfsDirs.LEAF_OFFSET_BYTES / bs;
            assertTrue(DirWriter.mapped(m.format().extents(m.format().iget(dir)), leafSpace + 1) >= 0,
                    "a node directory: more than one block in its leaf space");
            m.format().log().quiesce();
            fs.rename(dir, "name-7", dir, "moved-7", 0);
            m.format().log().quiesce();
            long loaded = dev.counters().bytesLoaded();
            fs.rename(dir, "moved-7", dir, "name-7", 0);
            long blocks = (dev.counters().bytesLoaded() - loaded) / bs;
            // Before: the da root, the leaves and the data and free index blocks, read again after each push.
            assertEquals(0, blocks, "directory blocks read from the device by a rename after a push");
            fs.close();
        }
    }

    @Test
    void buffersUnusedBetweenTwoPushesLeaveTheCache() throws Exception {
        try (DaxDevice dev = PmemDevices.memory(XfsImages.SIZE)) {
            XfsImages.Mounted m = XfsImages.Mounted.rw(mkfs(dev));
            FileSystem fs = m.fs();
            long dir = bigDirectory(fs);
            MetaCache cache = m.format().log().cache();
            m.format().log().quiesce();
            int kept = cache.size();
            assertTrue(kept > 30, "the buffers the creates used are kept through one push: " + kept);
            m.format().log().quiesce();
            assertTrue(cache.size() < 10, "after a second push with nothing used, " + cache.size() + " of " + kept
                    + " entries are left");
            for (int i = 0; i < NAMES; i += 97) {
                assertTrue(fs.lookup(dir, "name-" + i) > 0, "name-" + i);
            }
            fs.close();
        }
    }

    private static DaxDevice mkfs(DaxDevice dev) throws Exception {
        new XfsFileSystemType().mkfs(dev, MkfsOptions.defaults());
        return dev;
    }

    /** {@code /big} with {@link #NAMES} empty files: a node directory. */
    private static long bigDirectory(FileSystem fs) throws Exception {
        long dir = fs.mkdir(fs.rootIno(), "big", 0755, 0, 0);
        for (int i = 0; i < NAMES; i++) {
            fs.create(dir, "name-" + i, 0644, 0, 0);
        }
        return dir;
    }
}
