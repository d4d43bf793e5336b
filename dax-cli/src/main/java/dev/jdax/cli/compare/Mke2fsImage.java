package dev.jdax.cli.compare;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The image of a scenario with a {@code # mke2fs:} header, made by the real mke2fs exactly as the
 * measuring guest made Linux's ({@code mke2fs -F -q -b 4096 ARGS DEV BLOCKS}, BLOCKS the size in
 * 4 KiB units), in a temporary file the caller deletes. jdax's own mkfs makes only mke2fs.conf's
 * default ext4, and ext3, inline_data or 1 KiB blocks are what these scenarios are about.
 */
final class Mke2fsImage {
    private Mke2fsImage() {
    }

    static Path make(String args, long size) throws FsException {
        Path tool = List.of("/usr/sbin/mke2fs", "/sbin/mke2fs", "/usr/bin/mke2fs").stream().map(Path::of)
                .filter(Files::isExecutable).findFirst()
                .orElseThrow(() -> FsException.of(Errno.ENOENT, "mke2fs: not installed (the scenario's \"# mke2fs: %s\" "
                        + "needs e2fsprogs)", args));
        Path img = null;
        try {
            img = Files.createTempFile("jdax-compare-", ".img");
            List<String> cmd = new ArrayList<>(List.of(tool.toString(), "-F", "-q", "-b", "4096"));
            cmd.addAll(List.of(args.strip().split("\\s+")));
            cmd.addAll(List.of(img.toString(), Long.toString(size / 4096)));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw FsException.of(Errno.EINVAL, "mke2fs %s: %s", args, out.strip());
            }
            // The device is the file: its size is the file system's, whole pages (a 1 KiB-block
            // file system of BLOCKS 1 KiB blocks is a quarter of fs-size).
            long bytes = Files.size(img);
            if (bytes % 4096 != 0) {
                try (var ch = java.nio.channels.FileChannel.open(img, java.nio.file.StandardOpenOption.WRITE)) {
                    ch.write(java.nio.ByteBuffer.allocate(1), (bytes + 4095) / 4096 * 4096 - 1);
                }
            }
            return img;
        } catch (FsException e) {
            deleteQuietly(img);
            throw e;
        } catch (IOException e) {
            deleteQuietly(img);
            throw FsException.of(Errno.EIO, "mke2fs %s: %s", args, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            deleteQuietly(img);
            throw FsException.of(Errno.EINTR, "mke2fs %s: interrupted", args);
        }
    }

    static void deleteQuietly(Path img) {
        if (img != null) {
            try {
                Files.deleteIfExists(img);
            } catch (IOException ignored) {
                // a temporary file: the system's cleaner takes it
            }
        }
    }
}
