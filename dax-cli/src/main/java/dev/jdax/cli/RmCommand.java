package dev.jdax.cli;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.DirEntry;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.PathWalk;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/** {@code jdax rm}: removes a file, or with {@code -r} a directory tree, inside an image. */
@Command(name = "rm", mixinStandardHelpOptions = true,
        header = "Remove a file (or with -r a directory tree) inside an image.",
        description = "Removes a file inside an image; -r removes a directory and everything under it.")
final class RmCommand implements Callable<Integer> {
    /** Deeper than Linux's PATH_MAX allows with one-character names: only a looping image gets here. */
    private static final int MAX_DEPTH = 2048;

    @Option(names = "-r", description = "Remove directories and their contents.")
    boolean recursive;

    @Parameters(paramLabel = "IMAGE:/path")
    String target;

    @Override
    public Integer call() throws FsException {
        ImageRef ref = ImageRef.parse(target);
        if (ref.path().equals("/")) {
            throw FsException.of(Errno.EBUSY, "%s: will not remove the root directory", target);
        }
        ref.onMounted("", target, fs -> remove(fs, ref));
        return 0;
    }

    private void remove(FileSystem fs, ImageRef ref) throws FsException {
        long parent = fs.resolveParent(ref.path());
        String name = PathWalk.lastName(ref.path());
        long ino = fs.lookup(parent, name);
        if (!fs.stat(ino).isDirectory()) {
            fs.unlink(parent, name);
        } else if (!recursive) {
            throw FsException.of(Errno.EISDIR, "%s: is a directory (use -r)", target);
        } else {
            removeTree(fs, parent, name, ino, 0);
        }
    }

    /** Depth-first; the depth bound stops a corrupt image whose directories loop. */
    private void removeTree(FileSystem fs, long parent, String name, long dir, int depth) throws FsException {
        if (depth > MAX_DEPTH) {
            throw FsException.of(Errno.ELOOP, "%s: directories nested deeper than %d", target, MAX_DEPTH);
        }
        for (DirEntry e : fs.readdir(dir)) {
            if (e.name().equals(".") || e.name().equals("..")) {
                continue;
            }
            if (fs.stat(e.ino()).isDirectory()) {
                removeTree(fs, dir, e.name(), e.ino(), depth + 1);
            } else {
                fs.unlink(dir, e.name());
            }
        }
        fs.rmdir(parent, name);
    }
}
