package dev.jdax.cli;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.FsException;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The outside judges of an image: {@code e2fsck -fn} for ext2 and ext4, {@code xfs_repair -n} for
 * XFS, run on a copy of a device's bytes in a temporary file.
 */
public final class FsckJudge {
    /**
     * What the judge said.
     *
     * @param tool    the judge's path, or null when it is not installed
     * @param problem null when the image is clean, else the judge's exit status and first complaints
     */
    public record Verdict(Path tool, String problem) {
        /** {@return whether a judge ran and found the image clean} */
        public boolean clean() {
            return tool != null && problem == null;
        }
    }

    /** The complaints a verdict quotes: enough to tell one failure from another in a CI log. */
    private static final int MAX_COMPLAINTS = 5;

    private FsckJudge() {
    }

    /**
     * Whether a line of the judge's output says something about the image: not a pass or phase
     * banner, not e2fsck's version and summary lines, and not xfs_repair's notice that it could not
     * read the host file system's geometry (a file image on a host that is not XFS), which is about
     * the machine the judge runs on.
     */
    private static boolean isComplaint(String l) {
        return !l.isEmpty() && !l.startsWith("Pass ") && !l.startsWith("e2fsck ") && !l.contains("files (")
                && !l.startsWith("Phase") && !l.startsWith("- ") && !l.startsWith("No modify flag")
                && !l.startsWith("Cannot get host filesystem geometry") && !l.startsWith("Repair may fail if")
                && !l.startsWith("the image and the host filesystem");
    }

    /** {@return the judge of {@code type}'s images, or null when it is not installed} */
    public static Path toolFor(String type) {
        String name = type.startsWith("ext") ? "e2fsck" : type.equals("xfs") ? "xfs_repair" : null;
        if (name == null) {
            return null;
        }
        for (String d : List.of("/usr/sbin", "/sbin", "/usr/bin")) {
            Path p = Path.of(d, name);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /**
     * Copies the image on {@code device} to {@code file}, sparse: runs of zeros stay holes (an XFS
     * image is 300 MiB, mostly unwritten).
     *
     * @param device the image
     * @param file   the copy, created or replaced
     * @throws FsException when the device cannot be read
     * @throws IOException when the copy cannot be written
     */
    public static void saveSparse(DaxDevice device, Path file) throws FsException, IOException {
        byte[] chunk = new byte[1 << 20];
        byte[] zeros = new byte[chunk.length];
        try (var out = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
            for (long off = 0; off < device.size(); off += chunk.length) {
                int n = (int) Math.min(chunk.length, device.size() - off);
                device.load(off, MemorySegment.ofArray(chunk), 0, n);
                if (java.util.Arrays.mismatch(chunk, 0, n, zeros, 0, n) >= 0) {
                    out.write(java.nio.ByteBuffer.wrap(chunk, 0, n), off);
                }
            }
            if (out.size() < device.size()) {
                out.write(java.nio.ByteBuffer.wrap(new byte[1]), device.size() - 1);
            }
        }
    }

    /**
     * Judges the image on {@code device} as the judge of {@code type}.
     *
     * @param type   ext2, ext4 or xfs
     * @param device the image
     * @return the verdict (tool null when there is no judge)
     * @throws FsException when the device cannot be read
     * @throws IOException when the copy cannot be written or the judge not run
     */
    public static Verdict judge(String type, DaxDevice device) throws FsException, IOException {
        Path tool = toolFor(type);
        if (tool == null) {
            return new Verdict(null, null);
        }
        Path tmp = Files.createTempFile("jdax-judge", ".img");
        try {
            saveSparse(device, tmp);
            List<String> cmd = type.equals("xfs") ? List.of(tool.toString(), "-n", "-f", tmp.toString())
                    : List.of(tool.toString(), "-fn", tmp.toString());
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Verdict(tool, "did not finish in 300 s");
            }
            if (p.exitValue() == 0) {
                return new Verdict(tool, null);
            }
            List<String> complaints = out.lines().map(String::strip).filter(FsckJudge::isComplaint)
                    .limit(MAX_COMPLAINTS).toList();
            return new Verdict(tool, "exit " + p.exitValue() + (complaints.isEmpty() ? "" : ": " + String.join(" | ", complaints)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while " + tool + " ran", e);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
