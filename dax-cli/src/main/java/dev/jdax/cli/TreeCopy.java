package dev.jdax.cli;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.DirEntry;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.FileType;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.api.fs.PathWalk;
import dev.jdax.api.fs.SetAttr;
import dev.jdax.api.fs.StatInfo;
import dev.jdax.pmem.HostNodes;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What {@code jdax cp} copies between the host and a mounted image: a file or, when recursive, a
 * directory and all under it. As coreutils' cp, a symbolic link given alone is followed and one met
 * when recursive is copied as a link (its {@code -P}, the default of {@code -r}).
 * A new file or directory gets its source's permission bits; an existing file gets the new
 * contents and keeps its mode; an existing directory is copied into. A device node, FIFO or socket
 * on the host is made again in the image with its number (mknod, as cp -R and mke2fs -d make it).
 * One copied out is made on the host with mknod(2), as cp -R makes it. An entry that cannot be
 * copied (a device node out to the host for a user who is not root, a
 * directory where a file is, a name the file system refuses) is reported
 * and skipped, and the copy goes on, as coreutils' cp does; an error of the image as a whole (out
 * of space, read-only, corrupt, I/O) ends it. With {@link Options#attributes} owners and times go
 * with the contents (cp -p), and with {@link Options#hardLinks} a file linked under several names
 * is one file in the copy too (cp -a); this is also how {@code jdax mkfs -d} fills an image, as
 * {@code mke2fs -d} does.
 */
final class TreeCopy {
    /** Bounds the walk of an image whose directories loop (a corrupt one) and of deep host trees. */
    private static final int MAX_DEPTH = 2048;
    /** Errors after which nothing more can be copied. */
    private static final Set<Errno> FATAL = EnumSet.of(Errno.ENOSPC, Errno.EROFS, Errno.EIO, Errno.EUCLEAN, Errno.EDQUOT);

    /**
     * What a copy does beyond the bytes. {@code recursive}: directories and all under them (cp -r).
     * {@code attributes}: owner, group, access and modification times, and the mode of an existing
     * destination too (cp -p). {@code hardLinks}: files linked to each other in the source are
     * linked in the copy (cp -a's links). {@code verbose}: each entry said as it is copied.
     */
    record Options(boolean recursive, boolean attributes, boolean hardLinks, boolean verbose) {
    }

    /** The command whose messages these are ("cp", "mkfs"). */
    private final String command;
    /** The image's root, to name its files in messages. */
    private final ImageRef image;
    private final Options options;
    private final PrintStream out;
    private final PrintStream err;
    /** With hard links kept: the image inode each multiply linked host file (by dev and ino) became. */
    private final Map<List<Object>, Long> copiedIn = new HashMap<>();
    /** With hard links kept: the host path each multiply linked image inode became. */
    private final Map<Long, Path> copiedOut = new HashMap<>();
    private int skipped;
    private int copied;

    TreeCopy(String command, ImageRef image, Options options, PrintStream out, PrintStream err) {
        this.command = command;
        this.image = image;
        this.options = options;
        this.out = out;
        this.err = err;
    }

    /** How many entries were reported and not copied. */
    int skipped() {
        return skipped;
    }

    /** How many files, directories and links were copied (hard links to one already copied included). */
    int copied() {
        return copied;
    }

    /** Copies host {@code from} to {@code to} in {@code fs} ({@code shown}: how the user names it). */
    void in(Path from, FileSystem fs, String to, String shown) throws FsException {
        in(from, fs, to, shown, 0);
    }

    /**
     * Copies what host directory {@code dir} holds into directory {@code to} of {@code fs}, which
     * keeps its own attributes (as {@code mke2fs -d} fills a new root).
     */
    void contentsIn(Path dir, FileSystem fs, String to, String shown) throws FsException {
        try {
            childrenIn(dir, fs, to, shown, 1);
        } catch (IOException e) {
            throw HostErrors.of(e, dir);
        }
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
            HostEntry src = options.recursive() ? HostEntry.read(from, LinkOption.NOFOLLOW_LINKS) : HostEntry.read(from);
            int perms = src.mode() & 07777;
            int uid = options.attributes() ? src.uid() : 0;
            int gid = options.attributes() ? src.gid() : 0;
            FileType there = imageType(fs, to);
            switch (FileType.ofMode(src.mode())) {
                case DIRECTORY -> {
                    if (!enter(from.toString(), depth, there, shown)) {
                        return;
                    }
                    long dir = there == null ? fs.mkdir(fs.resolveParent(to), PathWalk.lastName(to), perms, uid, gid)
                            : fs.resolve(to, true);
                    said(from, shown);
                    childrenIn(from, fs, to, shown, depth + 1);
                    // After the children, whose creation changed the directory's times.
                    keepAttributes(fs, dir, src, there != null);
                }
                case SYMLINK -> {
                    if (replaceable(there, shown)) {
                        String target = Files.readSymbolicLink(from).toString();
                        makeAgain(fs, to, there, src, (parent, name) -> fs.symlink(parent, name, target, uid, gid));
                        said(from, shown);
                    }
                }
                case REGULAR -> {
                    if (replaceable(there, shown) && !linkedIn(fs, src, to, there, from, shown)) {
                        long ino;
                        try (InputStream in = Files.newInputStream(from);
                             OpenFile f = fs.open(to, OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_TRUNC,
                                     perms, uid, gid)) {
                            FileCopy.fromStream(in, f, shown);
                            ino = f.ino();
                        }
                        // After the close: the times set are the last the file gets.
                        keepAttributes(fs, ino, src, there != null);
                        if (options.hardLinks() && src.nlink() > 1) {
                            copiedIn.put(src.key(), ino);
                        }
                        said(from, shown);
                    }
                }
                case CHAR_DEVICE, BLOCK_DEVICE, FIFO, SOCKET -> {
                    // cp -a and mke2fs -d make the node again with its number (mknod).
                    if (replaceable(there, shown)) {
                        makeAgain(fs, to, there, src,
                                (parent, name) -> fs.mknod(parent, name, src.mode() & (FileType.S_IFMT | 07777), src.rdev(), uid, gid));
                        said(from, shown);
                    }
                }
                default -> skip(FsException.of(Errno.EOPNOTSUPP, "%s: not copied: a file of unknown type", from));
            }
        } catch (FsException e) {
            skip(e, shown);
        } catch (IOException e) {
            skip(HostErrors.of(e, from));
        }
    }

    /** Makes an inode in a directory under a name, returning its number. */
    private interface Maker {
        long make(long parent, String name) throws FsException;
    }

    /**
     * Image path {@code to} made anew by {@code maker} (a link or a special file, which cannot be
     * written over): what is there first unlinked, the source's attributes kept as {@code cp -p} keeps them.
     */
    private void makeAgain(FileSystem fs, String to, FileType there, HostEntry src, Maker maker) throws FsException {
        long parent = fs.resolveParent(to);
        if (there != null) {
            fs.unlink(parent, PathWalk.lastName(to));
        }
        keepAttributes(fs, maker.make(parent, PathWalk.lastName(to)), src, false);
    }

    private void childrenIn(Path dir, FileSystem fs, String to, String shown, int depth) throws IOException, FsException {
        for (Path child : hostChildren(dir)) {
            String name = child.getFileName().toString();
            in(child, fs, join(to, name), join(shown, name), depth);
        }
    }

    /**
     * With hard links kept, links {@code to} to the image inode an earlier link of host file
     * {@code src} became (replacing a file there); returns whether it did.
     */
    private boolean linkedIn(FileSystem fs, HostEntry src, String to, FileType there, Path from, String shown)
            throws FsException {
        Long first = options.hardLinks() && src.nlink() > 1 ? copiedIn.get(src.key()) : null;
        if (first == null) {
            return false;
        }
        long parent = fs.resolveParent(to);
        if (there != null) {
            fs.unlink(parent, PathWalk.lastName(to));
        }
        fs.link(first, parent, PathWalk.lastName(to));
        said(from, shown);
        return true;
    }

    /** With attributes kept, gives image inode {@code ino} host {@code src}'s owner and times (and mode when it existed). */
    private void keepAttributes(FileSystem fs, long ino, HostEntry src, boolean existed) throws FsException {
        if (options.attributes()) {
            // A new inode has its mode and owner from its create; an existing one gets them here, as cp -p gives them.
            fs.setattr(ino, new SetAttr(existed ? src.mode() & 07777 : null, existed ? src.uid() : null,
                    existed ? src.gid() : null, src.atime(), src.mtime()));
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
                    // After the children: a directory without write permission still takes them.
                    keepHostAttributes(to, st, there == null);
                }
                case SYMLINK -> {
                    if (replaceable(there, to.toString())) {
                        if (there != null) {
                            Files.delete(to);
                        }
                        Files.createSymbolicLink(to, Path.of(fs.readlink(ino)));
                        keepHostAttributes(to, st, false);
                        said(shown, to);
                    }
                }
                case REGULAR -> {
                    if (replaceable(there, to.toString()) && !linkedOut(st, to, there, shown)) {
                        try (OpenFile f = fs.open(ino, OpenFlags.O_RDONLY); OutputStream o = Files.newOutputStream(to)) {
                            FileCopy.toStream(f, o, shown);
                        }
                        keepHostAttributes(to, st, there == null);
                        if (options.hardLinks() && st.nlink() > 1) {
                            copiedOut.put(ino, to);
                        }
                        said(shown, to);
                    }
                }
                case CHAR_DEVICE, BLOCK_DEVICE, FIFO, SOCKET -> {
                    // Made again with its number, as cp -R makes a special file (mknod); a device
                    // node needs root on the host, and EPERM skips it as cp reports it.
                    if (replaceable(there, to.toString())) {
                        if (there != null) {
                            Files.delete(to);
                        }
                        try {
                            HostNodes.mknod(to, st.type().modeBits() | st.mode() & 07777, st.rdev());
                            keepHostAttributes(to, st, true);
                        } catch (FsException e) {
                            skip(e);   // the host's refusal, which names the host path
                            return;
                        }
                        said(shown, to);
                    }
                }
                default -> skip(FsException.of(Errno.EOPNOTSUPP, "%s: not copied: a file of unknown type", shown));
            }
        } catch (FsException e) {
            skip(e, shown);
        } catch (IOException e) {
            skip(HostErrors.of(e, to));
        }
    }

    /**
     * With hard links kept, links host {@code to} to the file an earlier link of image inode
     * {@code st} became (replacing a file there); returns whether it did.
     */
    private boolean linkedOut(StatInfo st, Path to, FileType there, String shown) throws IOException {
        Path first = options.hardLinks() && st.nlink() > 1 ? copiedOut.get(st.ino()) : null;
        if (first == null) {
            return false;
        }
        if (there != null) {
            Files.delete(to);
        }
        Files.createLink(to, first);
        said(shown, to);
        return true;
    }

    /**
     * Gives host file {@code to} image inode {@code st}'s permission bits when it is new (or attributes
     * are kept), and with attributes kept its owner and times. A symbolic link has no mode of its own.
     * The owner is kept where the host lets this user give it: as cp -p, a user who is not root
     * silently keeps their own (the group, when they are in it, is still given).
     */
    private void keepHostAttributes(Path to, StatInfo st, boolean created) throws IOException {
        boolean link = st.type() == FileType.SYMLINK;
        if (!link && (created || options.attributes())) {
            setHostMode(to, st.mode());
        }
        if (!options.attributes()) {
            return;
        }
        for (String owner : List.of("unix:uid", "unix:gid")) {
            try {
                Files.setAttribute(to, owner, owner.endsWith("uid") ? st.uid() : st.gid(), LinkOption.NOFOLLOW_LINKS);
            } catch (FileSystemException notPermitted) {
                // cp -p's own rule: a failure to give away ownership is not an error for a user.
            }
        }
        if (st.type() == FileType.REGULAR || st.type() == FileType.DIRECTORY || st.type() == FileType.SYMLINK) {
            Files.getFileAttributeView(to, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                    .setTimes(FileTime.from(st.mtime()), FileTime.from(st.atime()), null);
        } else {
            HostNodes.setTimes(to, st.atime(), st.mtime());   // the JDK would open it: a FIFO waits for a writer
        }
    }

    /**
     * Whether a directory is to be copied here: recursion asked for, not too deep, and no other kind
     * of file at the destination {@code dst} (cp's "cannot overwrite non-directory with directory").
     */
    private boolean enter(String src, int depth, FileType there, String dst) throws FsException {
        if (!options.recursive()) {
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
        err.println("jdax: " + command + ": " + e.describe());
    }

    private void said(Object from, Object to) {
        copied++;
        if (options.verbose()) {
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

    /** What a host file's stat says that a copy keeps; {@code key} (device and inode) names the file. */
    private record HostEntry(int mode, int uid, int gid, int nlink, long rdev, List<Object> key, Instant atime,
                             Instant mtime) {
        static HostEntry read(Path p, LinkOption... options) throws IOException {
            Map<String, Object> a = Files.readAttributes(p,
                    "unix:mode,uid,gid,nlink,rdev,dev,ino,lastAccessTime,lastModifiedTime", options);
            return new HostEntry((Integer) a.get("mode"), (Integer) a.get("uid"), (Integer) a.get("gid"),
                    (Integer) a.get("nlink"), (Long) a.get("rdev"), List.of(a.get("dev"), a.get("ino")),
                    ((FileTime) a.get("lastAccessTime")).toInstant(), ((FileTime) a.get("lastModifiedTime")).toInstant());
        }
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

    private static String join(String dir, String name) {
        return dir.endsWith("/") ? dir + name : dir + "/" + name;
    }
}
