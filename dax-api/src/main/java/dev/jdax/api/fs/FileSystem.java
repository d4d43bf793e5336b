package dev.jdax.api.fs;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import java.util.List;

/**
 * A mounted file system, by inode number: Linux's inode operations on one superblock. Paths are
 * resolved by {@link #resolve}, which walks {@link #lookup} from the root. Thread-safe.
 *
 * <p>Names are single path components (no {@code /}, not empty, at most 255 bytes in UTF-8, else
 * EINVAL / ENAMETOOLONG). Errors are the ones Linux gives: ENOENT, EEXIST, ENOTDIR, EISDIR,
 * ENOTEMPTY, EXDEV, EMLINK, ENOSPC, EROFS on a read-only mount.
 */
public interface FileSystem extends AutoCloseable {
    /** Symbolic links followed in one path walk before ELOOP, as Linux's {@code MAXSYMLINKS}. */
    int MAX_SYMLINK_FOLLOWS = 40;

    /** The personality that mounted this file system. */
    FileSystemType type();

    /** The device the file system lives on. */
    DaxDevice device();

    /** The options it was mounted with. */
    MountOptions options();

    /** Whether it is mounted read-only (every change fails with EROFS). */
    boolean readOnly();

    /** The inode number of the root directory. */
    long rootIno();

    /**
     * The inode of {@code name} in directory {@code dir}; ENOENT when there is none. {@code "."} and
     * {@code ".."} answer the directory and its parent (the root is its own parent).
     */
    long lookup(long dir, String name) throws FsException;

    /** Creates an empty regular file; EEXIST when the name is taken. */
    long create(long dir, String name, int mode, int uid, int gid) throws FsException;

    /** Creates an empty directory and returns its inode; EEXIST when the name is taken. */
    long mkdir(long dir, String name, int mode, int uid, int gid) throws FsException;

    /** Creates a symbolic link to {@code target} and returns its inode; EEXIST when the name is taken. */
    long symlink(long dir, String name, String target, int uid, int gid) throws FsException;

    /** A hard link to {@code ino} (not a directory: EPERM). */
    void link(long ino, long dir, String name) throws FsException;

    /** Removes a non-directory name; the inode goes when its last link and last open file do. */
    void unlink(long dir, String name) throws FsException;

    /** Removes an empty directory; ENOTEMPTY when it has entries, ENOTDIR for anything else. */
    void rmdir(long dir, String name) throws FsException;

    /** {@code renameat2}: replaces an existing target (file over file, empty dir over dir) unless {@link OpenFlags#RENAME_NOREPLACE}. */
    void rename(long fromDir, String fromName, long toDir, String toName, int flags) throws FsException;

    /** The entries of directory {@code dir}, {@code .} and {@code ..} included. */
    List<DirEntry> readdir(long dir) throws FsException;

    /** {@code statx} of inode {@code ino}. */
    StatInfo stat(long ino) throws FsException;

    /** Changes mode, owner or times ({@code chmod}, {@code chown}, {@code utimensat}). */
    void setattr(long ino, SetAttr attr) throws FsException;

    /** The target of symbolic link {@code ino}; EINVAL for anything else. */
    String readlink(long ino) throws FsException;

    /** {@code statfs}: sizes and free counts of the whole file system. */
    StatFs statfs() throws FsException;

    /** Opens a regular file by inode ({@link OpenFlags}); {@code O_TRUNC} truncates. EISDIR for a directory. */
    OpenFile open(long ino, int flags) throws FsException;

    /** Makes everything durable: data flushed, metadata committed. */
    void sync() throws FsException;

    /** What the engine counted on this mount so far. */
    MountCounters counters();

    /**
     * The {@code STATX_ATTR_*} bits this format can report ({@code stx_attributes_mask}), without the
     * ones the VFS adds for every file system (AUTOMOUNT, MOUNT_ROOT, DAX). Linux 6.1: ext2
     * {@code 0x874}, ext4 {@code 0x100874}, XFS {@code 0x70}.
     */
    default long statxAttributesMask() {
        return 0;
    }

    /** Unmounts: syncs and leaves a clean file system (journal committed, XFS log clean). */
    @Override
    void close() throws FsException;

    /**
     * Resolves an absolute path ({@code "/a/b"}), following symlinks on the way (and at the end when
     * {@code followLast}); ENOENT, ENOTDIR, ELOOP as Linux gives them.
     */
    default long resolve(String path, boolean followLast) throws FsException {
        return PathWalk.resolve(this, path, followLast);
    }

    /** Resolves the parent directory of {@code path}; the last component is {@link PathWalk#lastName}. */
    default long resolveParent(String path) throws FsException {
        return PathWalk.resolveParent(this, path);
    }

    /** Opens an absolute path, creating it with {@code O_CREAT} (mode 0644, root owner). */
    default OpenFile open(String path, int flags) throws FsException {
        long ino;
        try {
            ino = resolve(path, (flags & OpenFlags.O_NOFOLLOW) == 0);
            if ((flags & OpenFlags.O_CREAT) != 0 && (flags & OpenFlags.O_EXCL) != 0) {
                throw FsException.of(Errno.EEXIST, "%s: exists", path);
            }
        } catch (FsException e) {
            if (e.errno() != Errno.ENOENT || (flags & OpenFlags.O_CREAT) == 0) {
                throw e;
            }
            ino = create(resolveParent(path), PathWalk.lastName(path), 0644, 0, 0);
        }
        return open(ino, flags);
    }
}
