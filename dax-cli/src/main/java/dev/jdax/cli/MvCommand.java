package dev.jdax.cli;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.PathWalk;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/** {@code jdax mv IMAGE:/a /b}: renames inside one image, replacing the target as rename(2) does. */
@Command(name = "mv", mixinStandardHelpOptions = true,
        header = "Rename inside an image.",
        description = {"Renames a file or directory inside an image (rename(2): an existing target is replaced; "
                + "moving into an existing directory keeps the name)."})
final class MvCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "IMAGE:/from")
    String from;

    @Parameters(index = "1", paramLabel = "/to", description = "A path in the same image (IMAGE:/to is accepted too).")
    String to;

    @Override
    public Integer call() throws FsException {
        ImageRef src = ImageRef.parse(from);
        String dstPath = to.startsWith("/") ? to : ImageRef.parse(to).path();
        if (!to.startsWith("/") && !ImageRef.parse(to).image().equals(src.image())) {
            throw FsException.of(Errno.EXDEV, "%s -> %s: both must be in the same image", from, to);
        }
        try (ImageSession session = ImageSession.mount(src.image(), "")) {
            FileSystem fs = session.fs();
            String target = dstPath;
            try {
                if (fs.stat(fs.resolve(dstPath, true)).isDirectory()) {
                    target = (dstPath.equals("/") ? "" : dstPath) + "/" + PathWalk.lastName(src.path());
                }
            } catch (FsException e) {
                if (e.errno() != Errno.ENOENT) {
                    throw e;
                }
            }
            try {
                fs.rename(src.path(), target, 0);
            } catch (FsException e) {
                throw src.naming(from + " -> " + to, e);
            }
        }
        return 0;
    }
}
