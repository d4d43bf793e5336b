package dev.jdax.cli;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.DirEntry;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.FileType;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.api.fs.PathWalk;
import dev.jdax.api.fs.StatInfo;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * What {@code jdax cp} copies between the host and a mounted image: a file or, when recursive, a
 * directory and all under it. As coreutils' cp, a symbolic link given alone is followed and one met
 * when recursive is copied as a link (its {@code -P}, the default of {@code -r}).
 * A new file or directory gets its source's permission bits; an existing file gets the new
 * contents and keeps its mode; an existing directory is copied into. An entry that cannot be
 * copied (a special file, a directory where a file is, a name the file system refuses) is reported
 * and skipped, and the copy goes on, as coreutils' cp does; an error of the image as a whole (out
 * of space, read-only, corrupt, I/O) ends it.
 */
final class TreeCopy {
    /** Bounds the walk of an image whose directories loop (a corrupt one) and of deep host trees. */
    private static final int MAX_DEPTH = 2048;
    /** Errors after which nothing more can be copied. */
    private static final Set<Errno> FATAL = EnumSet.of(Errno.ENOSPC, Errno.EROFS, Errno.EIO, Errno.EUCLEAN, Errno.EDQUOT);

    /** The image's root, to name its files in messages. */
    private final ImageRef image;
    private final boolean recursive;
    private final boolean verbose;
    private final PrintStream out;
    private final PrintStream err;
    private int skipped;

    TreeCopy(ImageRef image, boolean recursive, boolean verbose, PrintStream out, PrintStream err) {
        this.image = image;
        this.recursive = recursive;
        this.verbose = verbose;
        this.out = out;
        this.err = err;
    }

    /** How many entries were reported and not copied. */
    int skipped() {
        return skipped;
    }

    /** Copies host {@code from} to {@code to} in {@code fs} ({@code shown}: how the user names it). */
    void in(Path from, FileSystem fs, String to, String shown) throws FsException {
        in(from, fs, to, shown, 0);
    }

    /**
     * Copies inode {@code ino} of {@code fs} ({@code shown}: how the user names it) to host {@code to};
     * the caller resolved it, following a link given alone or not.
     */
    void out(FileSystem fs, long ino, String shown, Path to) throws FsException {
        out(fs, ino, shown, to, 0);
    }

    private void in(Path from, FileSystem fs, String to, String shown, int depth) throws FsException {
        try {
            int mode = recursive ? hostMode(from, LinkOption.NOFOLLOW_LINKS) : hostMode(from);
            FileType type = FileType.ofMode(mode);
            FileType there = imageType(fs, to);
            switch (type) {
                case DIRECTORY -> {
                    if (!enter(from.toString(), depth, there, shown)) {
                        return;
                    }
                    if (there == null) {
                        fs.mkdir(fs.resolveParent(to), PathWalk.lastName(to), mode & 07777, 0, 0);
                    }
                    said(from, shown);
                    for (Path child : hostChildren(from)) {
                        String name = child.getFileName().toString();
                        in(child, fs, join(to, name), join(shown, name), depth + 1);
                    }
                }
                case SYMLINK -> {
                    String target = Files.readSymbolicLink(from).toString();
                    if (replaceable(there, shown)) {
                        long parent = fs.resolveParent(to);
                        if (there != null) {
                            fs.unlink(parent, PathWalk.lastName(to));
                        }
                        fs.symlink(parent, PathWalk.lastName(to), target, 0, 0);
                        said(from, shown);
                    }
                }
                case REGULAR -> {
                    if (replaceable(there, shown)) {
                        try (InputStream in = Files.newInputStream(from);
                             OpenFile f = fs.open(to, OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_TRUNC,
                                     mode & 07777, 0, 0)) {
                            FileCopy.fromStream(in, f, shown);
                        }
                        said(from, shown);
                    }
                }
                default -> skip(FsException.of(Errno.EOPNOTSUPP,
                        "%s: not copied: a %s (cp copies files, directories and symbolic links)", from, describe(type)));
            }
        } catch (FsException e) {
            skip(e, shown);
        } catch (IOException e) {
            skip(HostErrors.of(e, from));
        }
    }

    private void out(FileSystem fs, long ino, String shown, Path to, int depth) throws FsException {
        try {
            StatInfo st = fs.stat(ino);
            FileType there = hostType(to);
            switch (st.type()) {
                case DIRECTORY -> {
                    if (!enter(shown, depth, there, to.toString())) {
                        return;
                    }
                    if (there == null) {
                        Files.createDirectory(to);
                    }
                    said(shown, to);
                    List<DirEntry> children = new ArrayList<>();
                    for (DirEntry e : fs.readdir(ino)) {
                        if (!e.name().equals(".") && !e.name().equals("..")) {
                            children.add(e);
                        }
                    }
                    children.sort(Comparator.comparing(DirEntry::name));
                    for (DirEntry e : children) {
                        out(fs, e.ino(), join(shown, e.name()), to.resolve(e.name()), depth + 1);
                    }
                    if (there == null) {
                        // After the children: a directory without write permission still takes them.
                        setHostMode(to, st.mode());
                    }
                }
                case SYMLINK -> {
                    if (replaceable(there, to.toString())) {
                        if (there != null) {
                            Files.delete(to);
                        }
                        Files.createSymbolicLink(to, Path.of(fs.readlink(ino)));
                        said(shown, to);
                    }
                }
                case REGULAR -> {
                    if (replaceable(there, to.toString())) {
                        try (OpenFile f = fs.open(ino, OpenFlags.O_RDONLY); OutputStream o = Files.newOutputStream(to)) {
                            FileCopy.toStream(f, o, shown);
                        }
                        if (there == null) {
                            setHostMode(to, st.mode());
                        }
                        said(shown, to);
                    }
                }
                default -> skip(FsException.of(Errno.EOPNOTSUPP,
                        "%s: not copied: a %s (cp copies files, directories and symbolic links)", shown, describe(st.type())));
            }
        } catch (FsException e) {
            skip(e, shown);
        } catch (IOException e) {
            skip(HostErrors.of(e, to));
        }
    }

    /**
     * Whether a directory is to be copied here: recursion asked for, not too deep, and no other kind
     * of file at the destination {@code dst} (cp's "cannot overwrite non-directory with directory").
     */
    private boolean enter(String src, int depth, FileType there, String dst) throws FsException {
        if (!recursive) {
            skip(FsException.of(Errno.EISDIR, "%s: is a directory (use -r)", src));
            return false;
        }
        if (depth > MAX_DEPTH) {
            throw FsException.of(Errno.ELOOP, "%s: directories nested deeper than %d", src, MAX_DEPTH);
        }
        if (there != null && there != FileType.DIRECTORY) {
            skip(FsException.of(Errno.ENOTDIR, "%s: cannot overwrite a non-directory with a directory", dst));
            return false;
        }
        return true;
    }

    /** Whether a file or link may be written at a destination that holds {@code there} (null: nothing). */
    private boolean replaceable(FileType there, String dst) throws FsException {
        if (there == FileType.DIRECTORY) {
            skip(FsException.of(Errno.EISDIR, "%s: cannot overwrite a directory with a non-directory", dst));
            return false;
        }
        return true;
    }

    /** {@code e} of the image's file {@code shown} reported, named as {@link ImageRef#naming} names it. */
    private void skip(FsException e, String shown) throws FsException {
        skip(image.naming(shown, e));
    }

    private void skip(FsException e) throws FsException {
        if (FATAL.contains(e.errno())) {
            throw e;
        }
        skipped++;
        err.println("jdax: cp: " + e.describe());
    }

    private void said(Object from, Object to) {
        if (verbose) {
            out.println("'" + from + "' -> '" + to + "'");
        }
    }

    /** The type of what is at {@code path} in {@code fs} (a link not followed); null when nothing is. */
    private static FileType imageType(FileSystem fs, String path) throws FsException {
        try {
            return fs.stat(path, false).type();
        } catch (FsException e) {
            if (e.errno() == Errno.ENOENT) {
                return null;
            }
            throw e;
        }
    }

    /** The host file's st_mode, type bits included (of a link itself with NOFOLLOW_LINKS). */
    private static int hostMode(Path p, LinkOption... options) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode", options);
    }

    /** The type of what is at host path {@code p} (a link not followed); null when nothing is. */
    private static FileType hostType(Path p) throws IOException {
        return Files.exists(p, LinkOption.NOFOLLOW_LINKS) ? FileType.ofMode(hostMode(p, LinkOption.NOFOLLOW_LINKS)) : null;
    }

    private static List<Path> hostChildren(Path dir) throws IOException {
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            s.forEach(children::add);
        }
        children.sort(null);
        return children;
    }

    private static void setHostMode(Path p, int mode) throws IOException {
        Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] bits = PosixFilePermission.values(); // OWNER_READ first, OTHERS_EXECUTE last
        for (int i = 0; i < bits.length; i++) {
            if ((mode & (0400 >> i)) != 0) {
                perms.add(bits[i]);
            }
        }
        Files.setPosixFilePermissions(p, perms);
    }

    private static String describe(FileType type) {
        return switch (type) {
            case CHAR_DEVICE -> "character device";
            case BLOCK_DEVICE -> "block device";
            case FIFO -> "named pipe";
            case SOCKET -> "socket";
            default -> "file of unknown type";
        };
    }

    private static String join(String dir, String name) {
        return dir.endsWith("/") ? dir + name : dir + "/" + name;
    }
}
