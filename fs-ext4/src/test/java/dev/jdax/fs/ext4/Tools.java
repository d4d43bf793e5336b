package dev.jdax.fs.ext4;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** e2fsprogs, the outside judge of ext4: found in /usr/sbin or /sbin, else the test is skipped saying so. */
final class Tools {
    record Result(int status, String output) {
    }

    private Tools() {
    }

    static Path require(String name) {
        for (String dir : List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin")) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        assumeTrue(false, name + " is not installed (e2fsprogs): this test needs it as the judge");
        return null;
    }

    static Result run(String tool, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(require(tool).toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(cmd + " took over 120 s");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /** Writes {@code size} seeded random bytes to {@code file} (its directory made) and returns them. */
    static byte[] randomFile(Path file, int size, long seed) throws IOException {
        byte[] b = new byte[size];
        new java.util.Random(seed).nextBytes(b);
        Files.createDirectories(file.getParent());
        Files.write(file, b);
        return b;
    }

    /**
     * A fresh directory for images that take many small writes: on /dev/shm when it has room (an
     * image on a disk-backed file system pays the host's page faults and an msync per metadata
     * store), else under {@code fallback}. The caller deletes it.
     */
    static Path scratchDir(Path fallback, long bytes) throws IOException {
        Path shm = Path.of("/dev/shm");
        if (Files.isDirectory(shm) && Files.isWritable(shm) && Files.getFileStore(shm).getUsableSpace() > 2 * bytes) {
            return Files.createTempDirectory(shm, "jdax-ext4-test-");
        }
        return Files.createDirectories(fallback.resolve("scratch"));
    }

    /** Deletes a directory made by {@link #scratchDir} and what it holds. */
    static void deleteTree(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    static byte[] runBytes(String tool, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(require(tool).toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] out = p.getInputStream().readAllBytes();
        p.waitFor(120, TimeUnit.SECONDS);
        return out;
    }
}
