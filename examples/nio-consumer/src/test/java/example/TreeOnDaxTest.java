package example;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The example leaves a tree the walk sees whole, on an image the real checkers call clean. */
class TreeOnDaxTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"ext4", "xfs"})
    void theTreeIsWalkedWholeAndTheImageChecksClean(String type) throws Exception {
        Path image = tmp.resolve(type + ".img");
        List<String> walked = TreeOnDax.run(image, type);

        List<String> mine = walked.stream().filter(p -> p.startsWith("/home")).toList();
        assertEquals(List.of("/home", "/home/ada", "/home/ada/data.bin", "/home/ada/docs",
                "/home/ada/docs/notes.txt", "/home/ada/log.txt"), mine);

        // The verdict of the real tools, not of jdax: exit 0 means no error found.
        String checker = type.equals("xfs") ? "xfs_repair" : "e2fsck";
        Path tool = Stream.of("/usr/sbin", "/sbin").map(d -> Path.of(d, checker))
                .filter(Files::isExecutable).findFirst().orElse(null);
        assumeTrue(tool != null, checker + " not installed: the image is not judged");
        Process p = new ProcessBuilder(tool.toString(), type.equals("xfs") ? "-n" : "-fn", image.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), checker + " did not finish");
        assertEquals(0, p.exitValue(), checker + " said:\n" + out);
    }
}
