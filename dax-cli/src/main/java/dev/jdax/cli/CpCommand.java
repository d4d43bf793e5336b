package dev.jdax.cli;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code jdax cp}: copies a file, a symbolic link or (with {@code -r}) a directory tree into or out
 * of an image. One side is {@code IMAGE:/path}, the other a host path or {@code -} (standard input
 * or output, a file only). Copying into an existing directory keeps the name, as cp does.
 */
@Command(name = "cp", mixinStandardHelpOptions = true,
        header = "Copy files or directory trees into or out of an image.",
        description = {"Copies between the host and an image: one side IMAGE:/path, the other a host path or - "
                + "(standard input or output, a file only). A destination that is an existing directory gets the "
                + "source under its own name. A symbolic link given as SRC is followed; with -r, links in the tree, and "
                + "SRC itself, are copied as links, as cp -r does. A new file or "
                + "directory gets its source's permission bits (no umask is applied; a file from standard input "
                + "gets 0644); an existing file gets the new contents and keeps its mode; files made in an image "
                + "are owned by root (uid and gid 0) unless -p or -a keeps their owners.",
                "Device nodes, pipes and sockets are made again with their numbers on either side (mknod, as "
                + "cp -R makes them); on the host a device node needs root. An entry that cannot be copied (a device "
                + "node for a user who is not root; a directory where a file is, or the reverse) is reported and "
                + "skipped and the copy goes on; the status is then 1. Running out of "
                + "space, a read-only or corrupt image and I/O errors end the copy.",
                ""})
final class CpCommand implements Callable<Integer> {
    @Option(names = {"-r", "-R", "--recursive"}, description = "Copy directories and everything under them.")
    boolean recursive;

    @Option(names = {"-p", "--preserve"}, description = {"Keep owner, group, access and modification times (and the "
            + "mode of an existing destination). Out of an image, owners are given as far as the host lets this user: "
            + "as for cp -p, a user who is not root keeps their own without a message."})
    boolean preserve;

    @Option(names = {"-a", "--archive"}, description = {"-r and -p, and files linked under several names in the source "
            + "are linked the same way in the copy (as cp -a)."})
    boolean archive;

    @Option(names = {"-v", "--verbose"}, description = "Print each file as it is copied ('SRC' -> 'DST').")
    boolean verbose;

    @Parameters(index = "0", paramLabel = "SRC")
    String src;

    @Parameters(index = "1", paramLabel = "DST")
    String dst;

    @Override
    public Integer call() throws FsException {
        recursive |= archive;
        boolean srcImage = ImageRef.isImageRef(src);
        boolean dstImage = ImageRef.isImageRef(dst);
        if (srcImage == dstImage) {
            throw FsException.of(Errno.EINVAL, "%s -> %s: one side must be IMAGE:/path (an existing image) and the other a host path or -",
                    src, dst);
        }
        return srcImage ? copyOut(ImageRef.parse(src)) : copyIn(ImageRef.parse(dst));
    }

    private int copyOut(ImageRef from) throws FsException {
        try (ImageSession session = ImageSession.mount(from.image(), "ro")) {
            if (dst.equals("-")) {
                try (OpenFile f = from.open(session.fs(), OpenFlags.O_RDONLY, src)) {
                    FileCopy.toStream(f, System.out, src);
                }
                return 0;
            }
            // A link given alone is followed, as cp follows it; with -r it is copied as a link.
            long ino;
            try {
                ino = session.fs().resolve(from.path(), !recursive);
            } catch (FsException e) {
                throw from.naming(src, e);
            }
            Path to = Files.isDirectory(Path.of(dst)) ? Path.of(dst, from.name()) : Path.of(dst);
            TreeCopy copy = new TreeCopy("cp", from, options(), System.out, System.err);
            copy.out(session.fs(), ino, src, to);
            return copy.skipped() == 0 ? 0 : 1;
        }
    }

    private int copyIn(ImageRef to) throws FsException {
        try (ImageSession session = ImageSession.mount(to.image(), "")) {
            FileSystem fs = session.fs();
            if (src.equals("-")) {
                try (OpenFile f = to.open(fs, OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_TRUNC, dst)) {
                    FileCopy.fromStream(System.in, f, dst);
                }
                return 0;
            }
            Path from = Path.of(src);
            if (!Files.exists(from, LinkOption.NOFOLLOW_LINKS)) {
                throw FsException.of(Errno.ENOENT, "%s: no such file or directory", src);
            }
            ImageRef target = isDirectory(fs, to.path()) ? to.child(from.getFileName().toString()) : to;
            TreeCopy copy = new TreeCopy("cp", to, options(), System.out, System.err);
            copy.in(from, fs, target.path(), target.toString());
            return copy.skipped() == 0 ? 0 : 1;
        }
    }

    private TreeCopy.Options options() {
        return new TreeCopy.Options(recursive, preserve || archive, archive, verbose);
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
