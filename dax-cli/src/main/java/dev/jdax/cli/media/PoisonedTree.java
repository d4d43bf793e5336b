package dev.jdax.cli.media;

import dev.jdax.vfs.Vfs;
import dev.jdax.api.DaxDevice;
import dev.jdax.api.FsException;
import dev.jdax.api.SigBusException;
import dev.jdax.api.fs.FileMapping;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.FileSystemType;
import dev.jdax.api.fs.MkfsOptions;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.cli.corrupt.SampleTree;
import dev.jdax.pmem.PmemDevices;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code jdax media --tree}: rounds of poison over a whole populated file system — random sectors
 * of written blocks, half of them in metadata, their bytes scrambled as real poison leaves
 * them — then a mount and a read of every file, plainly and through a mapping. A file may fail (an
 * FsException, a short read, SIGBUS), and the mount may; no read may return a byte the file does
 * not hold.
 */
final class PoisonedTree {
    private static final int BLOCK = 4096;
    private static final int SECTOR = 512;

    /** Counts of one campaign. */
    static final class Tally {
        int rounds;
        int mountsRefused;
        int filesIntact;
        int plainErrors;
        int mappedErrors;
        int sectorsPoisoned;
        int metadataSectors;
        final List<String> violations = new ArrayList<>();
    }

    private PoisonedTree() {
    }

    static Tally run(FileSystemType type, long size, int rounds, long seed) throws FsException {
        Tally t = new Tally();
        SplittableRandom r = new SplittableRandom(seed);
        try (DaxDevice device = PmemDevices.memory(size); Arena arena = Arena.ofShared()) {
            type.mkfs(device, MkfsOptions.defaults().withBlockSize(BLOCK));
            Map<String, byte[]> files;
            java.util.BitSet data;
            try (FileSystem fs = Vfs.mount(type, device, MountOptions.parse("dax"))) {
                files = SampleTree.populate(fs, seed);
                data = SampleTree.dataBlocks(fs, files.keySet(), null);
            }
            MemorySegment pristine = arena.allocate(size, BLOCK);
            device.load(0, pristine, 0, size);
            long[] written = writtenBlocks(pristine);
            // Metadata is a few percent of the written blocks; half the poison goes there so that
            // the metadata read paths (superblock, tables, maps, directories) are hit as often as data.
            long[] metadata = java.util.Arrays.stream(written).filter(b -> !data.get((int) b)).toArray();
            for (int round = 0; round < rounds; round++) {
                device.badBlocks().clear(0, size / SECTOR);
                device.store(0, pristine, 0, size);
                int n = 1 + r.nextInt(8);
                StringBuilder where = new StringBuilder();
                for (int i = 0; i < n; i++) {
                    long[] from = r.nextBoolean() && metadata.length > 0 ? metadata : written;
                    long block = from[r.nextInt(from.length)];
                    long sector = block * (BLOCK / SECTOR) + r.nextInt(BLOCK / SECTOR);
                    t.metadataSectors += data.get((int) block) ? 0 : 1;
                    device.badBlocks().add(sector, 1);
                    where.append(i == 0 ? "" : ",").append(sector);
                }
                t.sectorsPoisoned += n;
                t.rounds++;
                String label = "round " + round + " (sectors " + where + ")";
                try (FileSystem fs = Vfs.mount(type, device, MountOptions.parse("dax,ro"))) {
                    for (var e : files.entrySet()) {
                        readBoth(fs, e.getKey(), e.getValue(), label, t);
                    }
                } catch (FsException e) {
                    t.mountsRefused++;
                }
            }
            device.badBlocks().clear(0, size / SECTOR);
        }
        return t;
    }

    /** Blocks of the clean image that hold anything: where poison can do harm. */
    private static long[] writtenBlocks(MemorySegment image) {
        MemorySegment zero = MemorySegment.ofArray(new byte[BLOCK]);
        return java.util.stream.LongStream.range(0, image.byteSize() / BLOCK)
                .filter(b -> image.asSlice(b * BLOCK, BLOCK).mismatch(zero) >= 0).toArray();
    }

    /** Reads the file plainly, then (independently) through a mapping. */
    private static void readBoth(FileSystem fs, String path, byte[] want, String label, Tally t) {
        boolean intact = plain(fs, path, want, label, t);
        if (want.length > 0) {
            intact &= mapped(fs, path, want, label, t);
        }
        if (intact) {
            t.filesIntact++;
        }
    }

    /** One read of the whole file: its bytes, a short count that stops at the poison, or an error. */
    private static boolean plain(FileSystem fs, String path, byte[] want, String label, Tally t) {
        try (OpenFile f = fs.open(path, OpenFlags.O_RDONLY)) {
            byte[] got = new byte[want.length + 1];
            long n = f.read(0, got, 0, got.length);
            if (n > want.length || !Arrays.equals(got, 0, (int) n, want, 0, (int) n)) {
                t.violations.add(label + ": " + path + ": a plain read of " + n + " bytes returned bytes the file does not hold");
                return false;
            }
            if (n < want.length) {
                t.plainErrors++;
                return false;
            }
            return true;
        } catch (FsException e) {
            t.plainErrors++;
            return false;
        }
    }

    /** Loads the whole file through a mapping: the same bytes, or SIGBUS (or an error at open or mmap). */
    private static boolean mapped(FileSystem fs, String path, byte[] want, String label, Tally t) {
        try (OpenFile f = fs.open(path, OpenFlags.O_RDONLY)) {
            FileMapping m = f.mmap(0, want.length, FileMapping.PROT_READ, FileMapping.MAP_SHARED);
            try {
                byte[] got = new byte[want.length];
                m.read(0, MemorySegment.ofArray(got), 0, got.length);
                if (!Arrays.equals(got, want)) {
                    t.violations.add(label + ": " + path + ": a mapped read returned bytes the file does not hold");
                    return false;
                }
                return true;
            } finally {
                m.close();
            }
        } catch (SigBusException e) {
            t.mappedErrors++;
            return false;
        } catch (FsException e) {
            t.mappedErrors++;
            return false;
        }
    }
}
