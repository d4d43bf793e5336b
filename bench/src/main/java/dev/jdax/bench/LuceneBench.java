package dev.jdax.bench;

import example.lucene.LuceneIndex;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.store.MMapDirectory;
import org.apache.lucene.store.NoLockFactory;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.io.IOException;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * examples/lucene-index's program (Lucene 10, MMapDirectory) on jdax beside the JDK's file system
 * on /dev/shm, in one run: {@code index} is the whole build (two indexing threads, commits, updates,
 * deletes, merges, forceMerge(1), CheckIndex), {@code queries} the fixed query set on the merged
 * index. Targets: {@code shm} the JDK's tmpfs (the peer); {@code ext4}, {@code xfs} jdax on a
 * memory device (pmem emulated in RAM, as /dev/shm is RAM, with every page allocated first as
 * pmem has them); {@code ext4-image} jdax on an image file
 * in /dev/shm, whose write-backs are msync calls.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class LuceneBench {
    static final long SEED = 20260419L;

    /** Where the program runs: a directory on the target, made fresh for each trial. */
    @State(Scope.Benchmark)
    public static class Mount {
        @Param({"shm", "ext4", "xfs", "ext4-image"})
        public String fs;

        private FileSystem jdax;
        private Path shm;
        Path root;
        private int runs;

        @Setup(Level.Trial)
        public void mount() throws IOException {
            shm = Files.createTempDirectory(Path.of("/dev/shm"), "jdax-lucene-bench");
            switch (fs) {
                case "shm" -> root = shm;
                case "ext4-image" -> root = mounted(URI.create("jdax:" + shm.resolve("ext4.img").toUri()),
                        Map.of("create", "true", "type", "ext4", "size", "1g", "options", "dax"));
                default -> root = mounted(URI.create("jdax:memory:lucene-" + fs),
                        Map.of("memory", "1g", "populate", "true", "type", fs, "options", "dax"));
            }
        }

        private Path mounted(URI uri, Map<String, String> env) throws IOException {
            jdax = FileSystems.newFileSystem(uri, env);
            return jdax.getPath("/");
        }

        /** A directory no run used yet. */
        Path fresh() {
            return root.resolve("index-" + runs++);
        }

        @TearDown(Level.Trial)
        public void unmount() throws IOException {
            if (jdax != null) {
                jdax.close();
            }
            delete(shm);
        }
    }

    /** The merged index of one build, open for the queries. */
    @State(Scope.Benchmark)
    public static class Built {
        private MMapDirectory dir;
        DirectoryReader reader;

        @Setup(Level.Trial)
        public void build(Mount m) throws Exception {
            Path p = m.fresh();
            LuceneIndex.build(p, SEED, 0, false);
            dir = new MMapDirectory(p, NoLockFactory.INSTANCE);
            reader = DirectoryReader.open(dir);
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            reader.close();
            dir.close();
        }
    }

    /** The last build's directory, removed after its iteration so the device does not fill. */
    private Path last;

    @Benchmark
    public long index(Mount m) throws Exception {
        last = m.fresh();
        return LuceneIndex.build(last, SEED, 0, false).merges();
    }

    @TearDown(Level.Iteration)
    public void removeIndex() throws IOException {
        if (last != null) {
            delete(last);
            last = null;
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    public List<String> queries(Built b) throws IOException {
        return LuceneIndex.answers(b.reader);
    }

    /** Removes {@code tree} and everything in it, if it is there. */
    static void delete(Path tree) throws IOException {
        if (!Files.exists(tree)) {
            return;
        }
        try (Stream<Path> all = Files.walk(tree)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
