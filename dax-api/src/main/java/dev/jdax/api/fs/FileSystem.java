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
    int MAX_SYMLINK_FOLLOWS = 40;

    FileSystemType type();

    DaxDevice device();

    MountOptions options();

    boolean readOnly();

    long rootIno();

    /**
     * The inode of {@code name} in directory {@code dir}; ENOENT when there is none. {@code "."} and
     * {@code ".."} answer the directory and its parent (the root is its own parent).
     */
    long lookup(long dir, String name) throws FsException;

    /** Creates an empty regular file; EEXIST when the name is taken. */
    long create(long dir, String name, int mode, int uid, int gid) throws FsException;

    long mkdir(long dir, String name, int mode, int uid, int gid) throws FsException;

    long symlink(long dir, String name, String target, int uid, int gid) throws FsException;

    /** A hard link to {@code ino} (not a directory: EPERM). */
    void link(long ino, long dir, String name) throws FsException;

    /** Removes a non-directory name; the inode goes when its last link and last open file do. */
    void unlink(long dir, String name) throws FsException;

    void rmdir(long dir, String name) throws FsException;

    /** {@code renameat2}: replaces an existing target (file over file, empty dir over dir) unless {@link OpenFlags#RENAME_NOREPLACE}. */
    void rename(long fromDir, String fromName, long toDir, String toName, int flags) throws FsException;

    List<DirEntry> readdir(long dir) throws FsException;

    StatInfo stat(long ino) throws FsException;

    void setattr(long ino, SetAttr attr) throws FsException;

    String readlink(long ino) throws FsException;

    StatFs statfs() throws FsException;

    /** Opens a regular file by inode ({@link OpenFlags}); {@code O_TRUNC} truncates. EISDIR for a directory. */
    OpenFile open(long ino, int flags) throws FsException;

    /** Makes everything durable: data flushed, metadata committed. */
    void sync() throws FsException;

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
