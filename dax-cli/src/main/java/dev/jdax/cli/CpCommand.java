package dev.jdax.cli;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code jdax cp}: copies a file into or out of an image. One side is {@code IMAGE:/path}, the other
 * a host path or {@code -} (standard input or output). Copying into a directory keeps the name.
 */
@Command(name = "cp", mixinStandardHelpOptions = true,
        header = "Copy a file into or out of an image.",
        description = {"Copies a file between the host and an image: one side IMAGE:/path, the other a host path "
                + "or - (standard input or output). A file copied in gets mode 0644; an existing one is replaced."})
final class CpCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SRC")
    String src;

    @Parameters(index = "1", paramLabel = "DST")
    String dst;

    @Override
    public Integer call() throws FsException {
        boolean srcImage = ImageRef.isImageRef(src);
        boolean dstImage = ImageRef.isImageRef(dst);
        if (srcImage == dstImage) {
            throw FsException.of(Errno.EINVAL, "%s -> %s: one side must be IMAGE:/path (an existing image) and the other a host path or -",
                    src, dst);
        }
        return srcImage ? copyOut(ImageRef.parse(src)) : copyIn(ImageRef.parse(dst));
    }

    private int copyOut(ImageRef from) throws FsException {
        try (ImageSession session = ImageSession.mount(from.image(), "ro");
             OpenFile f = from.open(session.fs(), OpenFlags.O_RDONLY, src)) {
            if (dst.equals("-")) {
                FileCopy.toStream(f, System.out, src);
                return 0;
            }
            Path to = Files.isDirectory(Path.of(dst)) ? Path.of(dst, from.name()) : Path.of(dst);
            try (OutputStream out = Files.newOutputStream(to)) {
                FileCopy.toStream(f, out, src);
            } catch (IOException e) {
                throw HostErrors.of(e, to);
            }
        }
        return 0;
    }

    private int copyIn(ImageRef to) throws FsException {
        try (ImageSession session = ImageSession.mount(to.image(), "")) {
            FileSystem fs = session.fs();
            ImageRef target = to;
            if (!src.equals("-") && isDirectory(fs, to.path())) {
                target = to.child(Path.of(src).getFileName().toString());
            }
            try (InputStream in = src.equals("-") ? System.in : Files.newInputStream(Path.of(src));
                 OpenFile f = target.open(fs, OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_TRUNC, target.toString())) {
                FileCopy.fromStream(in, f, target.toString());
            } catch (IOException e) {
                throw HostErrors.of(e, src);
            }
        }
        return 0;
    }

    private static boolean isDirectory(FileSystem fs, String path) throws FsException {
        try {
            return fs.stat(fs.resolve(path, true)).isDirectory();
        } catch (FsException e) {
            if (e.errno() == Errno.ENOENT) {
                return false;
            }
            throw e;
        }
    }
}
