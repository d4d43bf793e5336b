package dev.jdax.iomap;

/**
 * The run hints of one table of kept answers ({@link MappingCache}) by chunk of file offsets: chunk
 * {@code c}, the bytes from {@code base + (c << shift)} on, holds the hint of the run its first
 * byte is in, once that hint is made. A transfer at a random place in a file of many runs finds
 * its run in two loads and one comparison, where the table's search was a chain of dependent
 * loads (seven for ext2's 67 runs of a 256 MiB file) and the file's own hint a branch it
 * mispredicts most of the time. That chain sits between one 4 KiB copy from memory and the next,
 * and there it costs far more than its own length: the processor starts the next copy's loads
 * while the last one's are still in flight only when little work lies between the two (raw
 * copies with about thirty dependent multiplications between them took 374 ns a copy instead of
 * 264 ns, with ten 261 ns; docs/PERFORMANCE.md).
 *
 * <p>Chunks are at most {@value #CHUNKS_PER_RUN} per run and {@value #MOST} in all, so a run
 * boundary falls inside a few of them, and a transfer past the boundary there is served by the
 * next chunk's hint; one across a boundary, or in a chunk whose hint is not made yet, or in a run
 * smaller than a chunk, is not served here and asks the table. Entries are written without a
 * lock, as the table's hints are: a reader sees null or a hint, and every hint is checked against
 * the transfer ({@link RunHint#serves}) before it is used.
 */
final class RunDirectory {
    static final int CHUNKS_PER_RUN = 8;
    /** Chunks at most: a file of many runs gets coarser chunks, not a larger directory. */
    static final int MOST = 4096;
    /** A table of fewer than two runs has no use for chunks: the file's own hint serves it. */
    static final RunDirectory NONE = new RunDirectory(0, 63, 0);

    private final long base;
    private final int shift;
    private final RunHint[] hints;

    private RunDirectory(long base, int shift, int chunks) {
        this.base = base;
        this.shift = shift;
        this.hints = new RunHint[chunks];
    }

    /** A directory for the sorted runs {@code [starts[i], ends[i])}. */
    static RunDirectory over(long[] starts, long[] ends) {
        int n = starts.length;
        if (n < 2) {
            return NONE;
        }
        long base = starts[0];
        long span = ends[n - 1] - base;
        long most = Math.min((long) n * CHUNKS_PER_RUN, MOST);
        int shift = 12;
        while (ceilChunks(span, shift) > most) {
            shift++;
        }
        return new RunDirectory(base, shift, (int) ceilChunks(span, shift));
    }

    /** {@return {@code off} (not negative) over chunks of {@code 1 << shift} bytes, rounded up} (no overflow near the largest offsets) */
    private static long ceilChunks(long off, int shift) {
        return (off >>> shift) + ((off & ((1L << shift) - 1)) != 0 ? 1 : 0);
    }

    /**
     * {@return the hint kept in {@code hints} (a directory's chunks from {@code base} on, of
     * {@code 1 << shift} bytes) that serves {@code [pos, last)} in block-map state
     * {@code generation}}: that of the run the chunk of {@code pos} begins in, or else of the run
     * the next chunk begins in (a chunk a run boundary falls inside); null when neither serves.
     */
    static RunHint serving(RunHint[] hints, long base, int shift, long generation, long pos, long last) {
        long c = (pos - base) >>> shift;
        if (c >= hints.length) {
            return null;
        }
        RunHint h = hints[(int) c];
        if (h != null && h.serves(generation, pos, last)) {
            return h;
        }
        h = c + 1 < hints.length ? hints[(int) c + 1] : null;
        return h != null && h.serves(generation, pos, last) ? h : null;
    }

    long base() {
        return base;
    }

    int shift() {
        return shift;
    }

    RunHint[] hints() {
        return hints;
    }

    /** Keeps {@code h} for the chunks whose first byte is in its run. */
    void record(RunHint h) {
        long end = Math.min(hints.length, firstChunkFrom(h.end()));
        for (long c = firstChunkFrom(h.start()); c < end; c++) {
            if (hints[(int) c] != h) {
                hints[(int) c] = h; // written only when it changes: readers share these lines
            }
        }
    }

    /** {@return the first chunk that begins at or after {@code pos}} (0 below base) */
    private long firstChunkFrom(long pos) {
        return pos <= base ? 0 : ceilChunks(pos - base, shift);
    }
}
