package dev.jdax.cli.corrupt;

import dev.jdax.vfs.Vfs;
import dev.jdax.api.DaxDevice;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.FileSystemType;
import dev.jdax.api.fs.FileSystemTypes;
import dev.jdax.api.fs.MkfsOptions;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.pmem.PmemDevices;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code jdax corrupt}: corrupts a populated image one metadata word at a time (zero, max, off by one,
 * pointing into metadata, outside the device) or by flipped bytes, then mounts it and walks every file
 * with a time bound. Each case must end in an {@link FsException} or a walk; an unchecked exception,
 * an error or a hang is a failure, printed with its reproducer.
 */
@Command(name = "corrupt", mixinStandardHelpOptions = true,
        header = "Corrupt a populated image case by case; every case must end cleanly.",
        description = {"Corrupts the metadata of a populated image case by case and mounts and walks it: every case "
                + "must end in correct data or an FsException, never an unchecked exception, a hang or an error. "
                + "Metadata is every written block FIEMAP does not name as file data. Crafted cases follow: "
                + "the block pointers of the files a write workload writes, aimed at another file's data, at "
                + "metadata and past the device, as they are and with the checksum that covers them re-sealed "
                + "(ext4 inodes, XFS inodes and bmbt blocks); the workload must never write where they point."},
        footer = {"", "Exit status: 0 when no case failed, 1 otherwise."})
public final class CorruptCommand implements java.util.concurrent.Callable<Integer> {
    private static final int BLOCK = 4096;

    @Option(names = "-t", required = true, paramLabel = "TYPE", description = "ext2, ext4 or xfs.")
    String type;

    @Option(names = "--cases", paramLabel = "N", description = "Random cases to try (default: ${DEFAULT-VALUE}); the crafted redirects follow, numbered from N.")
    int cases = 500;

    @Option(names = "--seed", paramLabel = "S", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed = 1;

    @Option(names = "--case", paramLabel = "K", description = "Run only case K (a reproducer).")
    Integer only;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "Time bound per case (default: ${DEFAULT-VALUE}).")
    int timeout = 20;

    private Scribble scribble;
    private int bigBlock;
    /** Cases whose write workload met at least one FsException (mount, an operation or unmount). */
    private int writesRefused;
    private Map<Integer, String> owners;
    private MemorySegment pristine;
    private Reseal reseal;

    @Override
    public Integer call() throws FsException {
        FileSystemType fsType = FileSystemTypes.byName(type);
        long size = Math.max(64L << 20, fsType.minimumSize());
        try (DaxDevice device = PmemDevices.memory(size); Arena arena = Arena.ofShared()) {
            fsType.mkfs(device, MkfsOptions.defaults().withBlockSize(BLOCK));
            Map<String, byte[]> files;
            BitSet data;
            try (FileSystem fs = Vfs.mount(fsType, device, MountOptions.parse("dax"))) {
                files = SampleTree.populate(fs, seed);
            }
            Map<Integer, String> owners = new java.util.HashMap<>();
            BitSet guarded = new BitSet();
            Map<String, Long> firsts = new java.util.TreeMap<>();
            try (FileSystem fs = Vfs.mount(fsType, device, MountOptions.parse("dax,ro"))) {
                data = SampleTree.dataBlocks(fs, files.keySet(), null);
                guarded = SampleTree.dataBlocks(fs, files.keySet().stream()
                        .filter(p -> !Scribble.WRITTEN.contains(p)).toList(), owners);
                for (String p : Scribble.WRITTEN) {
                    BitSet own = SampleTree.dataBlocks(fs, List.of(p), null);
                    if (!own.isEmpty()) {
                        firsts.put(p, (long) own.nextSetBit(0));
                    }
                }
                bigBlock = SampleTree.dataBlocks(fs, List.of("/big"), null).nextSetBit(0);
            }
            MemorySegment pristine = arena.allocate(size, BLOCK);
            device.load(0, pristine, 0, size);
            List<Integer> metadata = metadataBlocks(pristine, data);
            BitSet metadataSet = new BitSet();
            metadata.forEach(metadataSet::set);
            scribble = new Scribble(guarded, metadataSet);
            this.owners = owners;
            this.pristine = pristine;
            reseal = new Reseal(type, pristine);
            List<Mutation> redirects = new Redirects(type, pristine, metadata, reseal).cases(firsts, bigBlock, cases);
            System.out.printf("corrupt: %s, %d files, %d metadata blocks of %d, %d random cases and %d crafted redirects, seed %d%n",
                    type, files.size(), metadata.size(), size / BLOCK, cases, redirects.size(), seed);
            return run(fsType, device, pristine, metadata, files, redirects);
        }
    }

    private static List<Integer> metadataBlocks(MemorySegment image, BitSet data) {
        List<Integer> out = new ArrayList<>();
        long blocks = image.byteSize() / BLOCK;
        for (int b = 0; b < blocks; b++) {
            if (!data.get(b) && image.asSlice((long) b * BLOCK, BLOCK).mismatch(MemorySegment.ofArray(new byte[BLOCK])) >= 0) {
                out.add(b);
            }
        }
        return out;
    }

    private int run(FileSystemType fsType, DaxDevice device, MemorySegment pristine, List<Integer> metadata,
                    Map<String, byte[]> files, List<Mutation> redirects) throws FsException {
        SplittableRandom r = new SplittableRandom(seed);
        List<Mutation> all = new ArrayList<>();
        // Checksummed formats: every other random case lands in an inode in use, its checksum re-sealed,
        // so that the inode's own validation meets it (else nearly all stop at the checksum).
        List<Long> inodes = type.equals("ext2") ? List.of() : reseal.inodesInUse(metadata);
        for (int k = 0; k < cases; k++) {
            Mutation.Kind kind = Mutation.Kind.RANDOM[k % Mutation.Kind.RANDOM.length];
            all.add(k % 2 == 1 && !inodes.isEmpty() ? pickSealed(k, kind, r, inodes, metadata, device.size())
                    : pick(k, kind, r, metadata, device.size()));
        }
        all.addAll(redirects);
        Map<Outcome, Integer> tally = new EnumMap<>(Outcome.class);
        Map<String, Map<Outcome, Integer>> groups = new java.util.TreeMap<>();
        List<String> failures = new ArrayList<>();
        ExecutorService worker = Executors.newSingleThreadExecutor(runnable -> {
            Thread t = new Thread(runnable, "corrupt-case");
            t.setDaemon(true);
            return t;
        });
        try {
            // The control: on the clean image the walk is clean and every write of the workload succeeds.
            device.store(0, pristine, 0, pristine.byteSize());
            CaseResult control = runCase(worker, fsType, device, files, new BitSet(), -1);
            if (control.outcome() != Outcome.WALKED_CLEAN || writesRefused != 0) {
                System.out.println("control (no corruption) failed: " + control.outcome().label + " " + control.detail()
                        + (writesRefused != 0 ? "; the write workload met an FsException" : ""));
                return 1;
            }
            for (Mutation m : all) {
                int k = m.number();
                if (only != null && only != k) {
                    continue;
                }
                device.store(0, pristine, 0, pristine.byteSize());
                byte[] stored = apply(m, device);
                BitSet freed = FreedInUse.of(type, pristine, m.offset(), stored);
                CaseResult res = runCase(worker, fsType, device, files, freed, namedBlock(stored, m.order()));
                tally.merge(res.outcome(), 1, Integer::sum);
                groups.computeIfAbsent((m.kind() == Mutation.Kind.REDIRECT ? "crafted redirects" : "random cases")
                                + (m.sealed() ? " with checksums re-sealed" : ""), g -> new EnumMap<>(Outcome.class))
                        .merge(res.outcome(), 1, Integer::sum);
                if (only != null || res.outcome().failure || res.outcome() == Outcome.CROSS_LINKED
                        || res.outcome() == Outcome.FREED_IN_USE) {
                    System.out.println(m + ": " + res.outcome().label + (res.detail().isEmpty() ? "" : ": " + res.detail()));
                }
                if (res.outcome().failure) {
                    failures.add(m + " -> " + res.detail() + "\n  reproduce: jdax corrupt -t " + type + " --seed " + seed
                            + " --cases " + cases + " --case " + k);
                }
                if (res.outcome() == Outcome.HANG) {
                    System.out.println("stopping: the hung case still holds the device");
                    break;
                }
            }
        } finally {
            worker.shutdownNow();
        }
        int wrote = tally.getOrDefault(Outcome.WALKED_CLEAN, 0) + tally.getOrDefault(Outcome.WRONG_DATA, 0)
                + tally.getOrDefault(Outcome.SCRIBBLED, 0) + tally.getOrDefault(Outcome.CROSS_LINKED, 0)
                + tally.getOrDefault(Outcome.FREED_IN_USE, 0);
        System.out.println("outcomes: " + tally + "; write workloads run: " + wrote + ", of them " + writesRefused
                + " met an FsException");
        groups.forEach((group, t) -> System.out.println("  " + group + ": " + t));
        failures.forEach(System.out::println);
        System.out.println(failures.isEmpty() ? "no case failed" : failures.size() + " case(s) failed");
        return failures.isEmpty() ? 0 : 1;
    }

    /**
     * Stores the corruption on the device (the pristine image is there); re-seals the checksum when
     * the case says so. {@return the bytes stored at the case's offset}
     */
    private byte[] apply(Mutation m, DaxDevice device) throws FsException {
        long blockNo = m.offset() / BLOCK;
        byte[] block = new byte[BLOCK];
        MemorySegment.copy(pristine, blockNo * BLOCK, MemorySegment.ofArray(block), 0, BLOCK);
        int at = (int) (m.offset() - blockNo * BLOCK);
        byte[] old = java.util.Arrays.copyOfRange(block, at, at + m.width());
        byte[] replacement = m.replacement(old);
        System.arraycopy(replacement, 0, block, at, m.width());
        if (m.sealed() && !reseal.seal(block, blockNo, m.offset())) {
            throw new IllegalStateException("case " + m.number() + ": nothing to re-seal at offset " + m.offset());
        }
        device.store(blockNo * BLOCK, MemorySegment.ofArray(block), 0, BLOCK);
        return replacement;
    }

    private Mutation pick(int k, Mutation.Kind kind, SplittableRandom r, List<Integer> metadata, long deviceSize) {
        long block = metadata.get(r.nextInt(metadata.size()));
        long offset = block * BLOCK + (r.nextInt(BLOCK / 4) * 4L);
        return new Mutation(k, kind, offset, value(kind, r, metadata, deviceSize), order(), false, "");
    }

    /** A random word of a random inode in use, its checksum re-sealed after the change. */
    private Mutation pickSealed(int k, Mutation.Kind kind, SplittableRandom r, List<Long> inodes, List<Integer> metadata,
                                long deviceSize) {
        long offset = inodes.get(r.nextInt(inodes.size())) + r.nextInt(reseal.inodeSize() / 4) * 4L;
        return new Mutation(k, kind, offset, value(kind, r, metadata, deviceSize), order(), true,
                reseal.structureAt(offset).orElseThrow());
    }

    private java.nio.ByteOrder order() {
        return type.equals("xfs") ? java.nio.ByteOrder.BIG_ENDIAN : java.nio.ByteOrder.LITTLE_ENDIAN;
    }

    private static int value(Mutation.Kind kind, SplittableRandom r, List<Integer> metadata, long deviceSize) {
        return switch (kind) {
            case INTO_METADATA -> metadata.get(r.nextInt(metadata.size()));
            case OUTSIDE_DEVICE -> (int) (deviceSize / BLOCK + r.nextInt(1 << 20));
            case BYTE_FLIP -> 1 << r.nextInt(8);
            default -> 0;
        };
    }

    enum Outcome {
        WALKED_CLEAN("walked, data intact", false), WRONG_DATA("walked, some data differs (undetected)", false),
        FS_EXCEPTION("FsException", false),
        // The image itself gives one block to two files: a write to one changes the other. Neither
        // Linux nor jdax scans every inode at mount to notice (e2fsck's pass 1B does); declared, not hidden.
        CROSS_LINKED("wrote a block the image maps into two files (not detectable without a full scan)", false),
        // The same for a block an ext2 bitmap, which has no checksum, calls free while a file holds
        // it: fs/ext2 allocates it as any free block (e2fsck's pass 5 notices).
        FREED_IN_USE("wrote a block the corrupt bitmap calls free while a file holds it (ext2: not detectable without a full scan)", false),
        SCRIBBLED("a write through the corrupt image damaged metadata or another file", true), UNCHECKED("unchecked exception", true), ERROR("error", true),
        HANG("no answer within the time bound", true);

        final String label;
        final boolean failure;

        Outcome(String label, boolean failure) {
            this.label = label;
            this.failure = failure;
        }

        @Override
        public String toString() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    record CaseResult(Outcome outcome, String detail) {
    }

    /** The blocks the files the workload writes map, as FIEMAP reports them (a file whose map is refused adds none). */
    private static BitSet writtenFilesBlocks(FileSystem fs) {
        BitSet blocks = new BitSet();
        for (String p : Scribble.WRITTEN) {
            try {
                blocks.or(SampleTree.dataBlocks(fs, List.of(p), null));
            } catch (FsException e) {
                // That file's map is refused: its writes will be too.
            }
        }
        return blocks;
    }

    /** Whether a file the workload wrote maps {@code block} after the workload (read-only mount; false when refused). */
    private static boolean mappedByWrittenFile(FileSystemType fsType, DaxDevice device, int block) {
        try (FileSystem fs = Vfs.mount(fsType, device, MountOptions.parse("dax,ro"))) {
            return writtenFilesBlocks(fs).get(block);
        } catch (FsException e) {
            return false;
        }
    }

    /**
     * The read half (mount read-only, walk, compare) and, when the image mounted, the write half
     * ({@link Scribble}): a workload through the corrupt image must not damage metadata or the
     * blocks of files it does not write.
     */
    private CaseResult readThenWrite(FileSystemType fsType, DaxDevice device, Map<String, byte[]> files, BitSet freed,
                                     long named) throws FsException {
        CaseResult read;
        BitSet crossLinked = new BitSet();
        try (FileSystem fs = Vfs.mount(fsType, device, MountOptions.parse("dax,ro"))) {
            SampleTree.Walk w = SampleTree.walk(fs, files);
            read = w.wrongData().isEmpty() ? new CaseResult(Outcome.WALKED_CLEAN, "")
                    : new CaseResult(Outcome.WRONG_DATA, String.join(", ", w.wrongData().subList(0, Math.min(3, w.wrongData().size()))));
            crossLinked.or(writtenFilesBlocks(fs));
        } catch (FsException e) {
            return new CaseResult(Outcome.FS_EXCEPTION, e.describe());
        }
        int refused;
        try (FileSystem fs = Vfs.mount(fsType, device, MountOptions.parse("dax"))) {
            refused = Scribble.workload(fs, files);
        } catch (FsException e) {
            refused = -1;
        }
        writesRefused += refused != 0 ? 1 : 0;
        if (named >= 0 && named < device.size() / BLOCK && mappedByWrittenFile(fsType, device, (int) named)) {
            // A pointer past EOF (which FIEMAP does not report before the write) that the corruption
            // aimed at this block: the written file now maps it, as the image told the file system to.
            crossLinked.set((int) named);
        }
        List<Scribble.Damage> damage = scribble.check(device, pristine, owners, crossLinked, freed);
        if (damage.isEmpty()) {
            return read;
        }
        // The unexcused damage first: what the case is judged by is what it prints.
        List<Scribble.Damage> shown = damage.stream()
                .sorted(java.util.Comparator.comparing(d -> d.excuse() != Scribble.Excuse.NONE)).limit(3).toList();
        String text = String.join("; ", shown.stream().map(Scribble.Damage::text).toList())
                + (damage.size() > shown.size() ? "; " + (damage.size() - shown.size()) + " more blocks" : "");
        Outcome o = damage.stream().allMatch(d -> d.excuse() == Scribble.Excuse.CROSS_LINKED) ? Outcome.CROSS_LINKED
                : damage.stream().allMatch(d -> d.excuse() != Scribble.Excuse.NONE) ? Outcome.FREED_IN_USE : Outcome.SCRIBBLED;
        return new CaseResult(o, text);
    }

    /** The block number the stored word names, read as an unsigned pointer in the format's byte order. */
    private static long namedBlock(byte[] stored, java.nio.ByteOrder order) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(stored).order(order);
        return stored.length == 8 ? b.getLong(0) : Integer.toUnsignedLong(b.getInt(0));
    }

    private CaseResult runCase(ExecutorService worker, FileSystemType fsType, DaxDevice device, Map<String, byte[]> files,
                               BitSet freed, long named) {
        Future<CaseResult> f = worker.submit(() -> {
            try {
                return readThenWrite(fsType, device, files, freed, named);
            } catch (RuntimeException e) {
                return new CaseResult(Outcome.UNCHECKED, e + " at " + (e.getStackTrace().length > 0 ? e.getStackTrace()[0] : "?"));
            } catch (Error e) {
                return new CaseResult(Outcome.ERROR, e.toString());
            }
        });
        try {
            return f.get(timeout, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            return new CaseResult(Outcome.HANG, "over " + timeout + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new CaseResult(Outcome.ERROR, "interrupted");
        } catch (ExecutionException e) {
            return new CaseResult(Outcome.ERROR, String.valueOf(e.getCause()));
        }
    }
}
