package dev.jdax.bench;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.concurrent.Callable;
import java.util.concurrent.FutureTask;

import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * ThreadsBench's two directories, and the files a thread makes in each, land in different
 * allocation units — ext2 groups, ext4 flex groups, XFS AGs — as Linux's Orlov and AG rotor place
 * them on a device of that size; otherwise "two threads in two directories" would measure two
 * threads in one group. The units are found from the superblock and from where the files' inodes
 * and first blocks are, not assumed; each directory's file is made by a thread of its own, as in the
 * bench (ext4 takes small files' blocks from a per-CPU locality group).
 */
class ThreadsBenchPlacementTest {

    @ParameterizedTest
    @ValueSource(strings = {"ext2", "ext4", "xfs"})
    void twoDirectoriesAndTheirFilesLandApart(String personality) throws Exception {
        try (FsTarget t = ThreadsBench.target(personality, false)) {
            Units units = Units.of(personality, t.device());
            Place[] p = new Place[2];
            for (int n = 0; n < 2; n++) {
                long dir = ThreadsBench.directory(t.fs(), n);
                p[n] = inThreadOfItsOwn(() -> place(t.fs(), units, dir)); // as the bench's threads, each its own
                System.out.printf("%s dir-%d: %s%n", personality, n, p[n]);
            }
            assertNotEquals(p[0].dir(), p[1].dir(), personality + ": the directories share a " + units.name());
            assertNotEquals(p[0].inode(), p[1].inode(), personality + ": the files' inodes share a " + units.name());
            assertNotEquals(p[0].block(), p[1].block(), personality + ": the files' blocks share a " + units.name());
        }
    }

    private static Place inThreadOfItsOwn(Callable<Place> probe) throws Exception {
        FutureTask<Place> task = new FutureTask<>(probe);
        Thread thread = new Thread(task, "probe");
        thread.start();
        thread.join();
        return task.get();
    }

    /** The allocation units of a directory, of a file made in it, and of that file's first block. */
    record Place(long dir, long inode, long block) {
    }

    private static Place place(FileSystem fs, Units units, long dir) throws FsException {
        long ino = fs.create(dir, "probe", 0644, 0, 0);
        long physical;
        try (OpenFile f = fs.open(ino, OpenFlags.O_RDWR); Arena arena = Arena.ofConfined()) {
            f.write(0, arena.allocate(4096), 0);
            physical = f.fiemap(0, 4096).getFirst().physical();
        }
        fs.unlink(dir, "probe");
        return new Place(units.ofInode(dir), units.ofInode(ino), units.ofByte(physical));
    }

    /** How a personality numbers its allocation units, read from its superblock. */
    record Units(String name, long inodesPerUnit, int inoShift, long unitBytes, long firstByte) {
        static Units of(String personality, DaxDevice device) throws FsException {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment sb = arena.allocate(4096);
                device.load(0, sb, 0, 4096);
                if (personality.equals("xfs")) {
                    var be = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
                    long blockSize = sb.get(be, 4) & 0xffffffffL;
                    long agBlocks = sb.get(be, 84) & 0xffffffffL;
                    int shift = sb.get(ValueLayout.JAVA_BYTE, 123) + sb.get(ValueLayout.JAVA_BYTE, 124); // inopblog + agblklog
                    return new Units("AG", 0, shift, agBlocks * blockSize, 0);
                }
                var le = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
                long firstDataBlock = sb.get(le, 1024 + 20) & 0xffffffffL;
                long blockSize = 1024L << sb.get(le, 1024 + 24);
                long blocksPerGroup = sb.get(le, 1024 + 32) & 0xffffffffL;
                long inodesPerGroup = sb.get(le, 1024 + 40) & 0xffffffffL;
                // s_log_groups_per_flex: ext4's allocators aim at a flex group, Linux's Orlov spreads flex groups
                int flex = personality.equals("ext4") ? sb.get(ValueLayout.JAVA_BYTE, 1024 + 372) : 0;
                return new Units(flex > 0 ? "flex group" : "group", inodesPerGroup << flex, 0,
                        (blocksPerGroup << flex) * blockSize, firstDataBlock * blockSize);
            }
        }

        long ofInode(long ino) {
            return inoShift > 0 ? ino >>> inoShift : (ino - 1) / inodesPerUnit;
        }

        long ofByte(long physical) {
            return (physical - firstByte) / unitBytes;
        }
    }
}
