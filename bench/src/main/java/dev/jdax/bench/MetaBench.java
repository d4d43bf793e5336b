package dev.jdax.bench;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;

import java.io.Closeable;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Metadata through {@code java.nio.file}, as a program does it, in a directory of 100 and of
 * 100,000 names, on each personality beside the JDK's file system on /dev/shm and Jimfs: lookups
 * ({@code Files.exists}), {@code Files.size}, opening an existing file, create + delete, create +
 * write 4 KiB + delete, rename, and reading the directory. Every operation leaves the directory as
 * it found it, so its size stays what it says.
 *
 * <p>Not JMH: filling a directory of 100,000 names costs far more than measuring in it, so each
 * target fills it once and measures every operation there, in a JVM of its own (as JMH forks one
 * per trial; a JVM that ran every provider would measure call sites no program has). A fill that
 * does not finish in its time measures the directory it reached, and the report says how far.
 */
public final class MetaBench {
    static final List<String> TARGETS = List.of("ext2", "ext4", "xfs", "shm", "jimfs");
    static final List<String> OPS = List.of("lookup", "size", "open", "createDelete", "createWriteDelete", "rename", "readdir");
    static final int[] SIZES = {100, 100_000};

    /** One operation measured: ops/s in a directory that held {@code reached} of the {@code names} asked for. */
    record Result(String target, int names, int reached, String op, double opsPerSec) {
        String line() {
            return String.format(Locale.ROOT, "META %s %d %d %s %.1f", target, names, reached, op, opsPerSec);
        }

        static Result parse(String line) {
            String[] f = line.split(" ");
            return new Result(f[1], Integer.parseInt(f[2]), Integer.parseInt(f[3]), f[4], Double.parseDouble(f[5]));
        }
    }

    /**
     * How long: the warm-up before an operation's rounds, a round of measurement, the rounds, and
     * the most a fill may take. A create runs through hundreds of methods that C2 compiles over
     * seconds: half a second of warm-up measured the interpreter (0.04-0.3x /dev/shm where a warm
     * JVM ran 1-3x).
     */
    record Timing(long warmupMillis, long roundMillis, int rounds, long fillSeconds) {
        static Timing of(boolean quick) {
            return quick ? new Timing(3000, 500, 3, 120) : new Timing(5000, 1000, 5, 900);
        }
    }

    private MetaBench() {
    }

    /**
     * Every target in a JVM of its own, one after the other, with the class path of this one.
     *
     * @param quick   the quick run's timing
     * @param targets the targets (null: all)
     * @return the results, in the order measured
     */
    static List<Result> run(boolean quick, List<String> targets) throws IOException, InterruptedException {
        Timing t = Timing.of(quick);
        List<Result> out = new ArrayList<>();
        for (String target : targets == null ? TARGETS : targets) {
            List<String> args = new ArrayList<>(List.of(target, Long.toString(t.warmupMillis()), Long.toString(t.roundMillis()),
                    Integer.toString(t.rounds()), Long.toString(t.fillSeconds())));
            Arrays.stream(SIZES).forEach(n -> args.add(Integer.toString(n)));
            System.out.println("# MetaBench: " + target);
            ForkedJvm.run(MetaBench.class, "6g", args, "META ").forEach(line -> out.add(Result.parse(line)));
        }
        return out;
    }

    /** {@code MetaBench TARGET WARMUP_MILLIS ROUND_MILLIS ROUNDS FILL_SECONDS NAMES...}: one target, every size and operation. */
    public static void main(String[] args) throws Exception {
        String target = args[0];
        Timing t = new Timing(Long.parseLong(args[1]), Long.parseLong(args[2]), Integer.parseInt(args[3]), Long.parseLong(args[4]));
        for (int i = 5; i < args.length; i++) {
            int names = Integer.parseInt(args[i]);
            try (Site site = Site.open(target)) {
                Directory d = Directory.fill(site.root().resolve("d"), names, t.fillSeconds());
                System.out.printf(Locale.ROOT, "# %s: %,d names made in %.1f s%n", target, d.paths.length, d.fillSeconds);
                for (String op : OPS) {
                    // readdir as names read per second: a directory 1,000 times larger has as many more to list
                    double rate = measure(d.operation(op), t) * (op.equals("readdir") ? d.paths.length : 1);
                    System.out.println(new Result(target, names, d.paths.length, op, rate).line());
                }
            }
        }
    }

    /** Where the directory lives: a jdax file system on a memory device, /dev/shm, or Jimfs. */
    record Site(Path root, Closeable closer) implements Closeable {
        static Site open(String target) throws IOException {
            return open(target, "meta");
        }

        /** As {@link #open(String)}; {@code tag} names the jdax mount, so one JVM may hold two of a personality. */
        static Site open(String target, String tag) throws IOException {
            return switch (target) {
                case "shm" -> {
                    Path dir = Files.createTempDirectory(Path.of("/dev/shm"), "jdax-meta");
                    yield new Site(dir, () -> deleteTree(dir));
                }
                case "jimfs" -> {
                    FileSystem fs = Jimfs.newFileSystem(Configuration.unix());
                    yield new Site(fs.getPath("/"), fs);
                }
                default -> {
                    // Room for 100,000 inodes by mke2fs's ratio (one per 16 KiB); every page allocated first,
                    // as pmem has them: each create writes blocks never written before (freed ones are busy
                    // until their commit), and /dev/shm's peer reuses pages the kernel has at hand.
                    FileSystem fs = FileSystems.newFileSystem(URI.create("jdax:memory:" + tag + "-" + target),
                            Map.of("memory", "2g", "populate", "true", "type", target, "options", "dax"));
                    yield new Site(fs.getPath("/"), fs);
                }
            };
        }

        @Override
        public void close() throws IOException {
            closer.close();
        }

        private static void deleteTree(Path dir) throws IOException {
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    /** An operation on the directory; {@code i} counts the calls. */
    @FunctionalInterface
    interface Op {
        void run(int i) throws IOException;
    }

    /** The directory and its names, as the program made them. */
    static final class Directory {
        final Path dir;
        final Path[] paths;
        final Path[] moved;
        final double fillSeconds;
        final SplittableRandom random = new SplittableRandom(21);
        final ByteBuffer block = ByteBuffer.allocateDirect(4096);

        private Directory(Path dir, Path[] paths, double fillSeconds) {
            this.dir = dir;
            this.paths = paths;
            this.fillSeconds = fillSeconds;
            this.moved = new Path[paths.length];
            for (int i = 0; i < paths.length; i++) {
                moved[i] = dir.resolve("moved-" + i);
            }
        }

        /** Makes {@code names} empty files in {@code dir}, or as many as {@code seconds} allow. */
        static Directory fill(Path dir, int names, long seconds) throws IOException {
            Files.createDirectories(dir);
            List<Path> made = new ArrayList<>(names);
            long start = System.nanoTime();
            long deadline = start + TimeUnit.SECONDS.toNanos(seconds);
            for (int i = 0; i < names; i++) {
                Path p = dir.resolve("name-" + i);
                Files.createFile(p);
                made.add(p);
                if ((i & 255) == 255 && System.nanoTime() > deadline) {
                    break;
                }
            }
            return new Directory(dir, made.toArray(Path[]::new), (System.nanoTime() - start) / 1e9);
        }

        Path any() {
            return paths[random.nextInt(paths.length)];
        }

        Op operation(String op) {
            Path tmp = dir.resolve("tmp");
            return switch (op) {
                case "lookup" -> i -> {
                    if (!Files.exists(any())) {
                        throw new IllegalStateException("a name made is missing");
                    }
                };
                case "size" -> i -> Files.size(any());
                case "open" -> i -> FileChannel.open(any(), StandardOpenOption.READ).close();
                case "createDelete" -> i -> {
                    Files.createFile(tmp);
                    Files.delete(tmp);
                };
                case "createWriteDelete" -> i -> {
                    try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                        block.clear();
                        c.write(block, 0);
                    }
                    Files.delete(tmp);
                };
                case "rename" -> i -> {
                    // There and back over the names in turn: each call one rename, the count unchanged.
                    int k = (i >>> 1) % paths.length;
                    if ((i & 1) == 0) {
                        Files.move(paths[k], moved[k]);
                    } else {
                        Files.move(moved[k], paths[k]);
                    }
                };
                case "readdir" -> i -> {
                    int n = 0;
                    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
                        for (Path ignored : s) {
                            n++;
                        }
                    }
                    if (n != paths.length) {
                        throw new IllegalStateException("readdir found " + n + " of " + paths.length + " names");
                    }
                };
                default -> throw new IllegalArgumentException(op);
            };
        }
    }

    /** Median operations per second over the rounds, after the warm-up (an even count of calls each). */
    static double measure(Op op, Timing t) throws IOException {
        double[] rates = new double[t.rounds()];
        int[] next = {0};
        for (int round = -1; round < t.rounds(); round++) {
            double rate = run(op, next, TimeUnit.MILLISECONDS.toNanos(round < 0 ? t.warmupMillis() : t.roundMillis()));
            if (round >= 0) {
                rates[round] = rate;
            }
        }
        Arrays.sort(rates);
        return rates[rates.length / 2];
    }

    /**
     * Runs {@code op} for {@code nanos}, two calls at a time (a rename there and back leaves the names
     * as they were), numbering the calls from {@code next[0]} on and leaving it past the last; {@return
     * the calls per second}
     */
    static double run(Op op, int[] next, long nanos) throws IOException {
        long start = System.nanoTime();
        long end = start + nanos;
        long done = 0;
        long now;
        int i = next[0];
        do {
            op.run(i++);
            op.run(i++);
            done += 2;
        } while ((now = System.nanoTime()) < end);
        next[0] = i;
        return done * 1e9 / (now - start);
    }
}
