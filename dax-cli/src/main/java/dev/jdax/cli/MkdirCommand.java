package dev.jdax.cli;

import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.PathWalk;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/** {@code jdax mkdir}: makes a directory (mode 0755, owner root) inside an image. */
@Command(name = "mkdir", mixinStandardHelpOptions = true,
        header = "Make a directory inside an image.", description = "Makes a directory inside an image (mode 0755).")
final class MkdirCommand implements Callable<Integer> {
    @Option(names = "-p", description = "Make parents as needed; no error if it exists.")
    boolean parents;

    @Parameters(paramLabel = "IMAGE:/dir")
    String target;

    @Override
    public Integer call() throws FsException {
        ImageRef ref = ImageRef.parse(target);
        ref.onMounted("", target, fs -> make(fs, ref));
        return 0;
    }

    private void make(FileSystem fs, ImageRef ref) throws FsException {
        if (!parents) {
            fs.mkdir(fs.resolveParent(ref.path()), PathWalk.lastName(ref.path()), 0755, 0, 0);
            return;
        }
        long dir = fs.rootIno();
        for (String name : ref.path().split("/")) {
            if (name.isEmpty()) {
                continue;
            }
            try {
                dir = fs.lookup(dir, name);
            } catch (FsException e) {
                if (e.errno() != dev.jdax.api.Errno.ENOENT) {
                    throw e;
                }
                dir = fs.mkdir(dir, name, 0755, 0, 0);
            }
        }
    }
}
