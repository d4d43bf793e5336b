package example.lucene;

import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field.Store;
import org.apache.lucene.document.IntPoint;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.document.SortedDocValuesField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.CheckIndex;
import org.apache.lucene.index.ConcurrentMergeScheduler;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.MergePolicy;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.TieredMergePolicy;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.MMapDirectory;
import org.apache.lucene.store.NoLockFactory;
import org.apache.lucene.util.BytesRef;

import java.io.IOException;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Lucene index on whatever file system a {@link Path} is on, with Lucene's own
 * {@link MMapDirectory}, as any program would write it: two threads index a seeded synthetic
 * corpus with commits, updates and deletes (so segments flush and merge while they run); a reader
 * holds the first commit open while the later commits delete its files; {@code forceMerge(1)},
 * {@code CheckIndex} and a fixed set of queries; then, after the caller remounts the file system
 * read-only, {@link #check} checks and queries again. The answers are plain lines, so the same
 * program on the JDK's own file system gives the lines to compare with.
 * Run: {@code java --enable-native-access=ALL-UNNAMED -cp <jars> example.lucene.LuceneIndex disk.img ext4}.
 */
public final class LuceneIndex {
    /** Documents of the first commit, then of each of the three later rounds. */
    static final int FIRST = 6000;
    static final int PER_ROUND = 3000;
    static final int ROUNDS = 3;
    static final int THREADS = 2;

    private LuceneIndex() {
    }

    /** What a run answered, and how long indexing (to the merged, checked index) and the queries took. */
    public record Outcome(List<String> answers, long indexNanos, long queryNanos, int merges) {
    }

    /** Lucene's concurrent merge scheduler, counting the merges it ran (forceMerge's included). */
    private static final class CountingMergeScheduler extends ConcurrentMergeScheduler {
        final AtomicInteger merges = new AtomicInteger();

        @Override
        protected void doMerge(MergeSource mergeSource, MergePolicy.OneMerge merge) throws IOException {
            super.doMerge(mergeSource, merge);
            merges.incrementAndGet();
        }
    }

    /**
     * Builds the index in {@code dir} from the corpus of {@code seed} and answers the queries (each
     * {@code queryRepeats} times, for timing; none with 0). With {@code holdFirstCommit}, a reader opened on the
     * first commit stays open while the later commits delete that commit's files, and answers too.
     */
    public static Outcome build(Path dir, long seed, int queryRepeats, boolean holdFirstCommit) throws Exception {
        Corpus corpus = new Corpus(seed);
        List<String> answers = new ArrayList<>();
        long start = System.nanoTime();
        try (Directory d = new MMapDirectory(dir)) {
            DirectoryReader first = null;
            CountingMergeScheduler merges = new CountingMergeScheduler();
            try (IndexWriter w = new IndexWriter(d, config().setMergeScheduler(merges))) {
                inParallel(w, corpus, 0, FIRST, false);
                w.commit();
                if (holdFirstCommit) {
                    first = DirectoryReader.open(d);
                }
                for (int round = 0; round < ROUNDS; round++) {
                    int from = FIRST + round * PER_ROUND;
                    inParallel(w, corpus, from, from + PER_ROUND, true);
                    w.commit();
                }
                w.forceMerge(1);
                w.commit();
            }
            answers.add("checked after forceMerge: " + check(d));
            long indexed = System.nanoTime();
            if (first != null) {
                try (DirectoryReader old = first) {
                    answers.addAll(firstCommitAnswers(d, old));
                }
            }
            long queryStart = System.nanoTime();
            if (queryRepeats > 0) {
                try (DirectoryReader r = DirectoryReader.open(d)) {
                    answers.add("segments: " + r.leaves().size());
                    List<String> last = answers(r);
                    for (int i = 1; i < queryRepeats; i++) {
                        if (!answers(r).equals(last)) {
                            throw new IllegalStateException(dir + ": the same queries answered differently");
                        }
                    }
                    answers.addAll(last);
                }
            }
            return new Outcome(answers, indexed - start, System.nanoTime() - queryStart, merges.merges.get());
        }
    }

    /** The fixed queries' answers on {@code reader}, one line each. */
    public static List<String> answers(DirectoryReader reader) throws IOException {
        return Queries.answers(reader);
    }

    /** How many of the first commit's files are still there, and what its reader answers now. */
    private static List<String> firstCommitAnswers(Directory d, DirectoryReader old) throws IOException {
        List<String> answers = new ArrayList<>();
        // How many files the first commit has depends on when the two threads' segments flushed;
        // whether any is still listed does not.
        Set<String> files = new HashSet<>(old.getIndexCommit().getFileNames());
        files.retainAll(Arrays.asList(d.listAll()));
        answers.add("files of the first commit still listed: " + (files.isEmpty() ? "none" : files.size()));
        for (String line : Queries.answers(old)) {
            answers.add("first commit " + line);
        }
        return answers;
    }

    /** On a read-only file system: the index checked and queried again, taking no lock. */
    public static List<String> check(Path dir) throws IOException {
        List<String> answers = new ArrayList<>();
        try (Directory d = new MMapDirectory(dir, NoLockFactory.INSTANCE)) {
            answers.add("checked read-only: " + check(d));
            try (DirectoryReader r = DirectoryReader.open(d)) {
                answers.addAll(Queries.answers(r));
            }
        }
        return answers;
    }

    private static String check(Directory d) throws IOException {
        try (CheckIndex ci = new CheckIndex(d)) {
            CheckIndex.Status s = ci.checkIndex();
            if (!s.clean) {
                throw new IllegalStateException("CheckIndex found the index broken in " + d);
            }
            return "clean, " + s.numSegments + " segment(s)";
        }
    }

    /** Small flushes and a merge policy that merges early: many segments, many merges, for a small corpus. */
    private static IndexWriterConfig config() {
        TieredMergePolicy mp = new TieredMergePolicy();
        mp.setSegmentsPerTier(3);
        return new IndexWriterConfig(new StandardAnalyzer()).setMaxBufferedDocs(400).setMergePolicy(mp)
                .setCommitOnClose(false);
    }

    /**
     * Documents {@code [from, to)} by two threads, each every other one. With {@code changes},
     * each added document also updates one earlier document or deletes another, chosen so that no
     * document is both updated and deleted (the result must not depend on the threads' order).
     */
    private static void inParallel(IndexWriter w, Corpus corpus, int from, int to, boolean changes) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<Void>> done = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    for (int i = from + thread; i < to; i += THREADS) {
                        w.addDocument(document(corpus.doc(i, 0)));
                        if (changes) {
                            int earlier = (int) ((i * 7919L) % from);
                            if (earlier % 11 == 0) {
                                w.deleteDocuments(new Term("id", Corpus.id(earlier)));
                            } else if (earlier % 5 == 0) {
                                w.updateDocument(new Term("id", Corpus.id(earlier)), document(corpus.doc(earlier, 1)));
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<Void> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
    }

    private static Document document(Corpus.Doc c) {
        Document d = new Document();
        d.add(new StringField("id", c.id(), Store.YES));
        d.add(new SortedDocValuesField("id", new BytesRef(c.id())));
        d.add(new TextField("body", c.body(), Store.NO));
        d.add(new StringField("category", c.category(), Store.NO));
        d.add(new IntPoint("year", c.year()));
        d.add(new NumericDocValuesField("year", c.year()));
        d.add(new StoredField("year", c.year()));
        return d;
    }

    /**
     * The whole program on a new image of {@code type}: build, unmount, remount read-only, check.
     * The image is named by a {@code jdax:} URI: on the class path the JDK asks its zip file
     * system first when given a bare Path, and with {@code create} that one would take it.
     */
    public static ImageRun onImage(Path image, String type, long seed, boolean holdFirstCommit)
            throws Exception {
        String size = type.equals("xfs") ? "300m" : "128m";
        URI uri = URI.create("jdax:" + image.toUri());
        Outcome built;
        try (FileSystem fs = FileSystems.newFileSystem(uri,
                Map.of("create", "true", "type", type, "size", size, "options", "dax"))) {
            built = build(fs.getPath("/index"), seed, 1, holdFirstCommit);
        }
        try (FileSystem fs = FileSystems.newFileSystem(uri, Map.of("readOnly", "true"))) {
            return new ImageRun(built, check(fs.getPath("/index")));
        }
    }

    /** What {@link #onImage} gives: the build's outcome, then the answers after the read-only remount. */
    public record ImageRun(Outcome built, List<String> readOnly) {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2 || args.length > 3 || (args.length == 3 && !args[2].equals("--hold-first-commit"))) {
            System.err.println("usage: LuceneIndex <image> <ext4|xfs> [--hold-first-commit]");
            System.exit(2);
        }
        ImageRun run = onImage(Path.of(args[0]), args[1], 42, args.length == 3);
        run.built().answers().forEach(System.out::println);
        run.readOnly().forEach(System.out::println);
        System.out.printf("indexing %.0f ms (%d merges), queries %.0f ms%n", run.built().indexNanos() / 1e6,
                run.built().merges(), run.built().queryNanos() / 1e6);
    }
}
