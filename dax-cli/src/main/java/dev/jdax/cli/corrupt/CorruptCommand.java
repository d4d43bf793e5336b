package dev.jdax.cli.corrupt;

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
import java.lang.foreign.ValueLayout;
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
        description = {"Corrupts the metadata of a populated image case by case and mounts and walks it: every case",
                "must end in correct data or an FsException, never an unchecked exception, a hang or an error.",
                "Metadata is every written block FIEMAP does not name as file data."},
        footer = {"", "Exit status: 0 when no case failed, 1 otherwise."})
public final class CorruptCommand implements java.util.concurrent.Callable<Integer> {
    private static final int BLOCK = 4096;

    @Option(names = "-t", required = true, paramLabel = "TYPE", description = "ext2, ext4 or xfs.")
    String type;

    @Option(names = "--cases", paramLabel = "N", description = "Cases to try (default: ${DEFAULT-VALUE}).")
    int cases = 500;

    @Option(names = "--seed", paramLabel = "S", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed = 1;

    @Option(names = "--case", paramLabel = "K", description = "Run only case K (a reproducer).")
    Integer only;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "Time bound per case (default: ${DEFAULT-VALUE}).")
    int timeout = 20;

    @Override
    public Integer call() throws FsException {
        FileSystemType fsType = FileSystemTypes.byName(type);
        long size = Math.max(64L << 20, fsType.minimumSize());
        try (DaxDevice device = PmemDevices.memory(size); Arena arena = Arena.ofShared()) {
            fsType.mkfs(device, MkfsOptions.defaults().withBlockSize(BLOCK));
            Map<String, byte[]> files;
            BitSet data;
            try (FileSystem fs = fsType.mount(device, MountOptions.parse("dax"))) {
                files = SampleTree.populate(fs, seed);
            }
            try (FileSystem fs = fsType.mount(device, MountOptions.parse("dax,ro"))) {
                data = SampleTree.dataBlocks(fs, files);
            }
            MemorySegment pristine = arena.allocate(size, BLOCK);
            device.load(0, pristine, 0, size);
            List<Integer> metadata = metadataBlocks(pristine, data);
            System.out.printf("corrupt: %s, %d files, %d metadata blocks of %d, %d cases, seed %d%n",
                    type, files.size(), metadata.size(), size / BLOCK, only != null ? 1 : cases, seed);
            return run(fsType, device, pristine, metadata, files);
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
                    Map<String, byte[]> files) throws FsException {
        SplittableRandom r = new SplittableRandom(seed);
        Mutation.Kind[] kinds = Mutation.Kind.values();
        Map<Outcome, Integer> tally = new EnumMap<>(Outcome.class);
        List<String> failures = new ArrayList<>();
        ExecutorService worker = Executors.newSingleThreadExecutor(runnable -> {
            Thread t = new Thread(runnable, "corrupt-case");
            t.setDaemon(true);
            return t;
        });
        try {
            for (int k = 0; k < cases; k++) {
                Mutation m = pick(k, kinds[k % kinds.length], r, metadata, device.size());
                if (only != null && only != k) {
                    continue;
                }
                device.store(0, pristine, 0, pristine.byteSize());
                int old = pristine.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), m.offset());
                MemorySegment word = MemorySegment.ofArray(new int[] {m.apply(old)});
                device.store(m.offset(), word, 0, 4);
                CaseResult res = runCase(worker, fsType, device, files);
                tally.merge(res.outcome(), 1, Integer::sum);
                if (only != null || res.outcome().failure) {
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
        System.out.println("outcomes: " + tally);
        failures.forEach(System.out::println);
        System.out.println(failures.isEmpty() ? "no case failed" : failures.size() + " case(s) failed");
        return failures.isEmpty() ? 0 : 1;
    }

    private Mutation pick(int k, Mutation.Kind kind, SplittableRandom r, List<Integer> metadata, long deviceSize) {
        long block = metadata.get(r.nextInt(metadata.size()));
        long offset = block * BLOCK + (r.nextInt(BLOCK / 4) * 4L);
        int value = switch (kind) {
            case INTO_METADATA -> metadata.get(r.nextInt(metadata.size()));
            case OUTSIDE_DEVICE -> (int) (deviceSize / BLOCK + r.nextInt(1 << 20));
            case BYTE_FLIP -> 1 << r.nextInt(8);
            default -> 0;
        };
        return new Mutation(k, kind, offset, value);
    }

    enum Outcome {
        WALKED_CLEAN("walked, data intact", false), WRONG_DATA("walked, some data differs (undetected)", false),
        FS_EXCEPTION("FsException", false), UNCHECKED("unchecked exception", true), ERROR("error", true),
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

    private CaseResult runCase(ExecutorService worker, FileSystemType fsType, DaxDevice device, Map<String, byte[]> files) {
        Future<CaseResult> f = worker.submit(() -> {
            try (FileSystem fs = fsType.mount(device, MountOptions.parse("dax,ro"))) {
                SampleTree.Walk w = SampleTree.walk(fs, files);
                return w.wrongData().isEmpty() ? new CaseResult(Outcome.WALKED_CLEAN, "")
                        : new CaseResult(Outcome.WRONG_DATA, String.join(", ", w.wrongData().subList(0, Math.min(3, w.wrongData().size()))));
            } catch (FsException e) {
                return new CaseResult(Outcome.FS_EXCEPTION, e.describe());
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
