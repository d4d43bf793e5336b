package example.lucene;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Lucene on jdax answers what Lucene on the JDK's own file system answers: the same program, the
 * same seed, once in a temporary directory (the control) and once on each image; the images are
 * then judged by the real checkers.
 */
class LuceneIndexTest {
    static final long SEED = 20260419L;

    @TempDir
    static Path tmp;

    /** The control's answers, built once per variant (with and without the reader on the first commit). */
    private static final Map<Boolean, LuceneIndex.ImageRun> CONTROL = new HashMap<>();
    private static Path images;

    /**
     * Images go to /dev/shm where there is one: memory, as the pmem a jdax image stands for. On a
     * disk file system every write-back of the image is an msync that reaches the disk.
     */
    private static Path images() throws IOException {
        if (images == null) {
            Path shm = Path.of("/dev/shm");
            images = Files.isDirectory(shm) && Files.isWritable(shm)
                    ? Files.createTempDirectory(shm, "jdax-lucene") : tmp;
        }
        return images;
    }

    @AfterAll
    static void removeImages() throws IOException {
        if (images != null && !images.equals(tmp)) {
            try (Stream<Path> all = Files.walk(images)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    private static synchronized LuceneIndex.ImageRun control(boolean holdFirstCommit) throws Exception {
        if (!CONTROL.containsKey(holdFirstCommit)) {
            Path dir = tmp.resolve("control-" + holdFirstCommit);
            LuceneIndex.Outcome built = LuceneIndex.build(dir, SEED, 1, holdFirstCommit);
            CONTROL.put(holdFirstCommit, new LuceneIndex.ImageRun(built, LuceneIndex.check(dir)));
        }
        return CONTROL.get(holdFirstCommit);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ext4", "xfs"})
    void theIndexOnAnImageAnswersAsOnTheJdksFileSystem(String type) throws Exception {
        LuceneIndex.ImageRun control = control(false);
        assertTrue(control.built().answers().contains("checked after forceMerge: clean, 1 segment(s)"), control.toString());
        sameAsControl(type, control, false);
    }

    /**
     * A reader on the first commit keeps answering after the later commits deleted that commit's
     * files, as on Linux, where a mapping holds the inode of a deleted file (and its blocks) until
     * the last mapping goes.
     */
    @ParameterizedTest
    @ValueSource(strings = {"ext4", "xfs"})
    void aReaderOnAnOldCommitOutlivesTheDeletionOfItsFiles(String type) throws Exception {
        LuceneIndex.ImageRun control = control(true);
        assertTrue(control.built().answers().stream().anyMatch(l -> l.equals("files of the first commit still listed: none")),
                "the later commits deleted the first commit's files while its reader was open: " + control);
        sameAsControl(type, control, true);
    }

    private static void sameAsControl(String type, LuceneIndex.ImageRun control, boolean holdFirstCommit)
            throws Exception {
        Path image = images().resolve(type + "-" + holdFirstCommit + ".img");
        LuceneIndex.ImageRun run = LuceneIndex.onImage(image, type, SEED, holdFirstCommit);
        assertTrue(run.built().merges() > 1, "segments were merged while the threads indexed: " + run.built().merges());
        assertEquals(String.join("\n", control.built().answers()), String.join("\n", run.built().answers()),
                "built and queried on " + type);
        assertEquals(String.join("\n", control.readOnly()), String.join("\n", run.readOnly()), "remounted read-only, " + type);
        judge(type, image);
    }

    /** The verdict of the real tools, not of jdax: exit 0 means no error found. */
    private static void judge(String type, Path image) throws Exception {
        String checker = type.equals("xfs") ? "xfs_repair" : "e2fsck";
        Path tool = Stream.of("/usr/sbin", "/sbin").map(d -> Path.of(d, checker))
                .filter(Files::isExecutable).findFirst().orElse(null);
        assumeTrue(tool != null, checker + " not installed: the image is not judged");
        Process p = new ProcessBuilder(tool.toString(), type.equals("xfs") ? "-n" : "-fn", image.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), checker + " did not finish");
        assertEquals(0, p.exitValue(), checker + " said:\n" + out);
    }
}
