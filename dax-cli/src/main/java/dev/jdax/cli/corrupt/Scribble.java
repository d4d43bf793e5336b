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

    /** One damaged block. {@code crossLinked}: the corrupt image itself maps it into a file the workload writes. */
    record Damage(int block, String text, boolean crossLinked) {
    }

    /**
     * What the device shows after the workload: one entry per damaged block (at most three of each
     * kind), none when clean. {@code crossLinked}: the blocks the corrupt image maps into the written
     * files — a guarded block among them was given to two files by the image itself.
     */
    List<Damage> check(DaxDevice device, MemorySegment before, Map<Integer, String> owners, BitSet crossLinked) throws FsException {
        List<Damage> out = new ArrayList<>();
        byte[] now = new byte[BLOCK];
        byte[] was = new byte[BLOCK];
        int found = 0;
        for (int b = guardedData.nextSetBit(0); b >= 0 && found < 3; b = guardedData.nextSetBit(b + 1)) {
            device.load((long) b * BLOCK, MemorySegment.ofArray(now), 0, BLOCK);
            MemorySegment.copy(before, (long) b * BLOCK, MemorySegment.ofArray(was), 0, BLOCK);
            if (!java.util.Arrays.equals(now, was)) {
                boolean shared = crossLinked.get(b);
                out.add(new Damage(b, "block " + b + " of " + owners.getOrDefault(b, "another file") + " was overwritten"
                        + (shared ? " (the image maps it into a written file too)" : ""), shared));
                found++;
            }
        }
        found = 0;
        for (int b = metadata.nextSetBit(0); b >= 0 && found < 3; b = metadata.nextSetBit(b + 1)) {
            device.load((long) b * BLOCK, MemorySegment.ofArray(now), 0, BLOCK);
            if (contains(now, MARKER)) {
                boolean shared = crossLinked.get(b);
                out.add(new Damage(b, "file data written into metadata block " + b
                        + (shared ? " (the image maps it into a written file)" : ""), shared));
                found++;
            }
        }
        return out;
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
