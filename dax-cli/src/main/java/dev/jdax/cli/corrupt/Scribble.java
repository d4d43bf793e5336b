package dev.jdax.cli.corrupt;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The write half of a corrupt-image case: after the read-only walk, a workload writes through the
 * corrupt image (overwrites, appends, a write into a hole, new files, a directory), then the device
 * is checked against what the clean image said each block was. Data written by the workload — a
 * marker no metadata contains — must not appear in a block that held metadata, and the blocks of
 * files the workload never touches must keep their bytes: a crafted image must never turn a write
 * into damage elsewhere. The workload frees nothing (no truncate, unlink or rename), so no metadata
 * block is legitimately recycled as data.
 */
final class Scribble {
    static final byte[] MARKER = "JDAX-SCRIBBLE-16".getBytes(StandardCharsets.US_ASCII);
    private static final int BLOCK = 4096;

    /** The files the workload writes; every other file's blocks are guarded. */
    static final Set<String> WRITTEN = Set.of("/a/b/small0", "/a/b/small3", "/a/b/small7", "/sparse",
            "/many/entry-with-a-longish-name-5", "/many/entry-with-a-longish-name-250");

    private final BitSet guardedData;
    private final BitSet metadata;

    /** {@code guardedData}: blocks of the files not written; {@code metadata}: every other non-zero block. */
    Scribble(BitSet guardedData, BitSet metadata) {
        this.guardedData = guardedData;
        this.metadata = metadata;
    }

    /** Runs the workload; each operation may fail with an FsException (counted), never otherwise. */
    static int workload(FileSystem fs, Map<String, byte[]> files) throws FsException {
        byte[] data = pattern(3 * BLOCK + 100);
        int refused = 0;
        for (String path : new TreeSet<>(WRITTEN)) {
            try (OpenFile f = fs.open(path, OpenFlags.O_RDWR)) {
                long size = f.size();
                f.write(0, data, 0, (int) Math.min(BLOCK, Math.max(size, 1)));
                f.write(size, data, 0, 2 * BLOCK + 100);
                if (path.equals("/sparse")) {
                    f.write(BLOCK * 16L, data, 0, BLOCK);
                }
            } catch (FsException e) {
                refused++;
            }
        }
        for (String dir : List.of("", "/many", "/a/b")) {
            try {
                long parent = fs.resolve(dir.isEmpty() ? "/" : dir, true);
                long ino = fs.create(parent, "scribble-new", 0644, 0, 0);
                try (OpenFile f = fs.open(ino, OpenFlags.O_RDWR)) {
                    f.write(0, data, 0, data.length);
                }
            } catch (FsException e) {
                refused++;
            }
        }
        try {
            fs.mkdir(fs.resolve("/a", true), "scribble-dir", 0755, 0, 0);
        } catch (FsException e) {
            refused++;
        }
        return refused;
    }

    private static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = MARKER[i % MARKER.length];
        }
        return b;
    }

    /** What in the corrupt image itself gave a damaged block to a file the workload writes. */
    enum Excuse {
        /** Nothing: the file system wrote where the image did not send it. */
        NONE,
        /** The image maps the block into a written file too. */
        CROSS_LINKED,
        /** The image's block bitmap calls the block free ({@link FreedInUse}). */
        FREED_IN_USE
    }

    /** One damaged block, and what excuses it. */
    record Damage(int block, String text, Excuse excuse) {
    }

    /**
     * What the device shows after the workload: one entry per damaged block, none when clean.
     * {@code crossLinked}: the blocks the corrupt image maps into the written files — a guarded block
     * among them was given to two files by the image itself; {@code freed}: the blocks the corruption
     * marked free while a file holds them, which an allocator may give out.
     */
    List<Damage> check(DaxDevice device, MemorySegment before, Map<Integer, String> owners, BitSet crossLinked, BitSet freed)
            throws FsException {
        List<Damage> out = new ArrayList<>();
        byte[] now = new byte[BLOCK];
        byte[] was = new byte[BLOCK];
        for (int b = guardedData.nextSetBit(0); b >= 0; b = guardedData.nextSetBit(b + 1)) {
            device.load((long) b * BLOCK, MemorySegment.ofArray(now), 0, BLOCK);
            MemorySegment.copy(before, (long) b * BLOCK, MemorySegment.ofArray(was), 0, BLOCK);
            if (!java.util.Arrays.equals(now, was)) {
                Excuse e = excuse(b, crossLinked, freed);
                out.add(new Damage(b, "block " + b + " of " + owners.getOrDefault(b, "another file") + " was overwritten"
                        + because(e, "too"), e));
            }
        }
        for (int b = metadata.nextSetBit(0); b >= 0; b = metadata.nextSetBit(b + 1)) {
            device.load((long) b * BLOCK, MemorySegment.ofArray(now), 0, BLOCK);
            if (contains(now, MARKER)) {
                Excuse e = excuse(b, crossLinked, freed);
                out.add(new Damage(b, "file data written into metadata block " + b + because(e, ""), e));
            }
        }
        return out;
    }

    private static Excuse excuse(int block, BitSet crossLinked, BitSet freed) {
        return crossLinked.get(block) ? Excuse.CROSS_LINKED : freed.get(block) ? Excuse.FREED_IN_USE : Excuse.NONE;
    }

    private static String because(Excuse e, String too) {
        return switch (e) {
            case NONE -> "";
            case CROSS_LINKED -> " (the image maps it into a written file" + (too.isEmpty() ? "" : " " + too) + ")";
            case FREED_IN_USE -> " (the corrupt block bitmap calls it free)";
        };
    }

    private static boolean contains(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
