package dev.jdax.iomap;

import dev.jdax.api.Iomap;
import dev.jdax.api.IomapType;


/**
 * The answers the personality gave for one file, kept so that the next read or overwrite inside
 * one of them does not ask again: the engine's counterpart of the caches Linux's file systems keep
 * under {@code iomap_begin} (ext4's extent status tree, XFS's in-core extent tree, ext2's indirect
 * blocks in the buffer cache), for every personality alike — the bridge's ext2 included, whose walk
 * through indirect blocks then happens once per run of blocks rather than once per I/O.
 *
 * <p>Answers are sorted by file offset; one that continues another (adjacent or overlapping, the
 * same kind, the same device blocks) is merged with it, so answers that start at the offset asked
 * for grow into whole extents as I/O touches them. They are valid for one state of the block map
 * ({@link AddressSpace#mapGeneration()}, read before asking, so a change racing the question
 * leaves its answer unused) and dropped as a whole when it changes. Kept: mapped blocks, holes,
 * unwritten extents; never inline data or an answer with new blocks. Lookups take no lock and
 * allocate nothing: the table is immutable and replaced whole on each addition (a lost addition
 * only costs a later question). At most {@link #LIMIT} answers. A file that needs more keeps only
 * its last answer from then on (until its block map changes): a table grown again after each
 * overflow cost a copy of half the table per question, and a file of 100,000 runs read at random
 * paid it at nearly every read; with one answer, reads inside one run still ask once, and the
 * others ask the personality as Linux's {@code iomap_begin} does every time.
 */
final class MappingCache {
    /**
     * Answers kept per file at most: a file of N runs parted by holes needs 2N (holes are answers
     * too), so 2,048 runs; a file of 4 GiB in ext2's runs of 4 MiB needs 1,024.
     */
    static final int LIMIT = 4096;

    /**
     * Sorted, non-overlapping answers for block-map state {@code generation}; {@code overflowed}:
     * the file needed more than {@link #LIMIT}, and the table holds only the last answer.
     */
    private record Table(long generation, long[] starts, long[] ends, Iomap[] maps, RunHint[] hints, RunDirectory directory,
                         boolean overflowed) {
        static final Table EMPTY = empty(-1);

        Table(long generation, long[] starts, long[] ends, Iomap[] maps, boolean overflowed) {
            this(generation, starts, ends, maps, new RunHint[maps.length], RunDirectory.over(starts, ends), overflowed);
        }

        static Table empty(long generation) {
            return new Table(generation, new long[0], new long[0], new Iomap[0], false);
        }

        static Table last(long generation, Iomap map) {
            return new Table(generation, new long[] {map.offset()}, new long[] {map.end()}, new Iomap[] {map}, true);
        }

        /** The index of the answer covering {@code pos}, or -1. */
        int find(long pos) {
            int i = StartsIndex.lastAtOrBelow(starts, 0, starts.length, pos);
            return i >= 0 && pos < ends[i] ? i : -1;
        }
    }

    private final AddressSpace space;
    private volatile Table table = Table.EMPTY;

    MappingCache(AddressSpace space) {
        this.space = space;
    }

    /** {@return the kept answer covering {@code pos}} while the block map is as it was asked in, else null. */
    Iomap at(long pos) {
        Table t = table;
        if (t.generation != space.mapGeneration()) {
            return null;
        }
        int i = t.find(pos);
        return i < 0 ? null : t.maps[i];
    }

    /**
     * {@return the kept answer covering {@code pos}} if the answers kept are those of block-map
     * state {@code generation} (which the caller read, and checks again after using the answer),
     * else null: one read of the state per read without the lock, not one per look-up.
     */
    Iomap at(long pos, long generation) {
        Table t = table;
        if (t.generation != generation) {
            return null;
        }
        int i = t.find(pos);
        return i < 0 ? null : t.maps[i];
    }

    /**
     * {@return the run hint for {@code [pos, last)}}: the kept answer covering it whole, in
     * block-map state {@code generation}, when it maps the bytes to the mount's clean memory; else
     * null. Made once per answer and table (the slot is written without a lock: two readers racing
     * make two equal hints), so transfers that move between a file's runs allocate nothing.
     */
    RunHint hint(long pos, long last, long generation) {
        Table t = table;
        if (t.generation != generation) {
            return null;
        }
        int i = t.find(pos);
        if (i < 0 || last > t.ends[i]) {
            return null;
        }
        RunHint h = t.hints[i];
        if (h != null && h.serves(generation, pos, last)) {
            return h;
        }
        Iomap map = t.maps[i];
        DaxMount mount = space.mount();
        if (map.type() != IomapType.MAPPED || map.device() != mount.device()) {
            return null;
        }
        DaxMount.CleanMemory clean = mount.clean();
        if (clean == null) {
            return null;
        }
        h = new RunHint(generation, t.starts[i], t.ends[i], map.addr() - map.offset(), clean.memory(), mount.badBlocks(),
                clean.additions(), !map.has(Iomap.F_SHARED));
        t.hints[i] = h;
        t.directory.record(h);
        return h;
    }

    /** Keeps {@code map}, asked for with the block map in state {@code generation}, when it is an answer to keep. */
    void keep(Iomap map, long generation) {
        if (map.has(Iomap.F_NEW) || generation != space.mapGeneration()
                || (map.type() != IomapType.MAPPED && map.type() != IomapType.HOLE && map.type() != IomapType.UNWRITTEN)) {
            return;
        }
        Table t = table;
        if (t.generation != generation) {
            t = Table.empty(generation);
        } else if (t.overflowed || t.starts.length >= LIMIT) {
            install(Table.last(generation, map));
            return;
        }
        install(with(t, map));
    }

    private void install(Table t) {
        table = t;
        space.directory(t.directory);
    }

    /** {@return the answers kept now} (for tests) */
    int size() {
        return table.starts.length;
    }

    /** {@code t} with {@code map} added, merged with the answers it continues, replacing any it overlaps otherwise. */
    private static Table with(Table t, Iomap map) {
        long start = map.offset();
        long end = map.end();
        Iomap merged = map;
        // The answers touching [start, end]: from the last starting at or before start, less those
        // that end before it or only touch it without continuing it (they stay, before it).
        int from = Math.max(0, StartsIndex.lastAtOrBelow(t.starts, 0, t.starts.length, start));
        while (from < t.starts.length && (t.ends[from] < start || (t.ends[from] == start && !continues(t.maps[from], map)))) {
            from++;
        }
        int to = from;
        while (to < t.starts.length && t.starts[to] <= end) {
            Iomap other = t.maps[to];
            if (continues(other, merged)) {
                merged = union(other, merged);
            } else if (t.starts[to] == end) {
                break; // only touches it, different: stays, after it
            }
            // else overlapping but different (cannot be, in one state): the newer answer wins
            to++;
        }
        int n = t.starts.length - (to - from) + 1;
        long[] starts = new long[n];
        long[] ends = new long[n];
        Iomap[] maps = new Iomap[n];
        System.arraycopy(t.starts, 0, starts, 0, from);
        System.arraycopy(t.ends, 0, ends, 0, from);
        System.arraycopy(t.maps, 0, maps, 0, from);
        starts[from] = merged.offset();
        ends[from] = merged.end();
        maps[from] = merged;
        System.arraycopy(t.starts, to, starts, from + 1, t.starts.length - to);
        System.arraycopy(t.ends, to, ends, from + 1, t.starts.length - to);
        System.arraycopy(t.maps, to, maps, from + 1, t.starts.length - to);
        return new Table(t.generation, starts, ends, maps, false);
    }

    /** Whether {@code a} and {@code b} touch or overlap and say the same of what they share. */
    private static boolean continues(Iomap a, Iomap b) {
        if (a.type() != b.type() || a.device() != b.device() || (a.flags() & Iomap.F_SHARED) != (b.flags() & Iomap.F_SHARED)
                || a.offset() > b.end() || b.offset() > a.end()) {
            return false;
        }
        return a.type() == IomapType.HOLE || a.addr() - a.offset() == b.addr() - b.offset();
    }

    private static Iomap union(Iomap a, Iomap b) {
        Iomap first = a.offset() <= b.offset() ? a : b;
        long end = Math.max(a.end(), b.end());
        if (first.offset() == a.offset() && end == a.end()) {
            return a;
        }
        if (first.offset() == b.offset() && end == b.end()) {
            return b;
        }
        return new Iomap(first.offset(), end - first.offset(), first.type(), first.addr(), first.flags() & ~Iomap.F_BOUNDARY,
                first.device());
    }
}
