package example;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
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

        // Mounted again (type detected, read-only): the stores through the segment outlived the mount.
        try (FileSystem fs = FileSystems.newFileSystem(image, Map.of("readOnly", "true"))) {
            byte[] data = Files.readAllBytes(fs.getPath("/home/ada/data.bin"));
            assertEquals(256 * 1024, data.length);
            assertEquals(7, data[0]);
            assertEquals(8, data[4096]);
            assertEquals(100, Files.readAllLines(fs.getPath("/home/ada/log.txt")).size());
        }

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

    /**
     * The README's snippet is this example's code, so it cannot drift from what compiles. The README
     * is named by jdax.readme (examples-it sets it); built alone, the example skips this.
     */
    @Test
    void theReadmeSnippetIsTheExamplesCode() throws Exception {
        String readme = System.getProperty("jdax.readme");
        assumeTrue(readme != null && !readme.isBlank(), "jdax.readme not set: the README is not compared");
        String text = Files.readString(Path.of(readme));
        int section = text.indexOf("## Use as a library");
        assertTrue(section >= 0, readme + ": no \"## Use as a library\" section");
        int from = text.indexOf("```java\n", section);
        assertTrue(from >= 0, readme + ": no java snippet under \"## Use as a library\"");
        from += "```java\n".length();
        String snippet = text.substring(from, text.indexOf("```", from));
        String source = Files.readString(Path.of("src/main/java/example/TreeOnDax.java"));
        assertTrue(stripped(source).contains(stripped(snippet)),
                "the README's snippet is not TreeOnDax's code any more; copy TreeOnDax.run into it");
    }

    /** Lines without their indentation: the README shows the method at the left margin. */
    private static String stripped(String s) {
        return s.lines().map(String::strip).collect(Collectors.joining("\n"));
    }
}
