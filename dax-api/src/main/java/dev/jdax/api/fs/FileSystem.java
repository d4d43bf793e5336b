package dev.jdax.api.fs;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import java.util.List;

/**
 * A mounted file system as programs use it: the system calls of Linux on one mount, by inode
 * number ({@code *at} calls with a directory) or by absolute path. The VFS (module
 * {@code dev.jdax.vfs}, {@code Vfs.mount}) implements it over a personality's {@link SuperBlock}:
 * path walk through a dentry cache, the inode cache (open files and mappings hold their inode), the
 * namespace rules and the lock order of {@code docs/LOCKING.md}. Thread-safe: calls on different
 * names and files do not wait for each other.
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

    /**
     * {@code mknod}: a character or block device, FIFO or socket, or with {@code S_IFREG} (or no
     * type) a regular file, as {@code mknod(2)} makes them; {@code rdev} is a program's {@code dev_t}
     * (ignored but for devices). EPERM for a directory's type, EINVAL for a symbolic link's or an
     * unknown one, EEXIST when the name is taken.
     */
    long mknod(long dir, String name, int mode, long rdev, int uid, int gid) throws FsException;

    /**
     * A hard link to {@code ino} (not a directory: EPERM). An inode with no link left is refused
     * (ENOENT), except a file made by {@link OpenFlags#O_TMPFILE} without {@link OpenFlags#O_EXCL}
     * and still open: its first name is given this way ({@code linkat} with {@code AT_EMPTY_PATH}).
     */
    void link(long ino, long dir, String name) throws FsException;

    /** Removes a non-directory name; the inode goes when its last link and last open file do. */
    void unlink(long dir, String name) throws FsException;

    /** Removes an empty directory; ENOTEMPTY when it has entries, ENOTDIR for anything else. */
    void rmdir(long dir, String name) throws FsException;

    /** {@code renameat2}: replaces an existing target (file over file, empty dir over dir) unless {@link OpenFlags#RENAME_NOREPLACE}. */
    void rename(long fromDir, String fromName, long toDir, String toName, int flags) throws FsException;

    /** The entries of directory {@code dir}, {@code .} and {@code ..} included. */
    List<DirEntry> readdir(long dir) throws FsException;

    /**
     * {@code getdents}: the directory's entries as the file system lists them, {@code .} and
     * {@code ..} where it puts them, with their positions ({@code d_off}).
     *
     * @param dir the directory
     * @return the listing
     * @throws FsException ENOTDIR, ENOENT for a removed directory, EOPNOTSUPP where positions are not given
     */
    default DirStream getdents(long dir) throws FsException {
        throw FsException.of(Errno.EOPNOTSUPP, "getdents of directory %d: not supported", dir);
    }

    /** {@code statx} of inode {@code ino}. */
    StatInfo stat(long ino) throws FsException;

    /** Changes mode, owner or times ({@code chmod}, {@code chown}, {@code utimensat}). */
    void setattr(long ino, SetAttr attr) throws FsException;

    /** The target of symbolic link {@code ino}; EINVAL for anything else. */
    String readlink(long ino) throws FsException;

    /** {@code statfs}: sizes and free counts of the whole file system, and the mount's flags. */
    StatFs statfs() throws FsException;

    /**
     * {@code XFS_IOC_FSGEOMETRY}.
     *
     * @return XFS's allocation groups and stripe
     * @throws FsException ENOTTY on a format that is not XFS
     */
    default XfsGeometry xfsGeometry() throws FsException {
        throw new FsException(Errno.ENOTTY, "XFS_IOC_FSGEOMETRY: not an XFS file system");
    }

    /**
     * {@code XFS_IOC_FSCOUNTS}.
     *
     * @return XFS's free and allocated blocks and inodes
     * @throws FsException ENOTTY on a format that is not XFS
     */
    default XfsCounts xfsCounts() throws FsException {
        throw new FsException(Errno.ENOTTY, "XFS_IOC_FSCOUNTS: not an XFS file system");
    }

    /**
     * {@code XFS_IOC_INUMBERS}: the inode chunks with an allocated inode, in inode-number order,
     * from the chunk that holds {@code from} on. A {@code from} beyond the last AG has none.
     *
     * @param from the first inode number to consider (unsigned)
     * @param max  at most this many chunks
     * @return the chunks, fewer than {@code max} only at the end
     * @throws FsException ENOTTY on a format that is not XFS
     */
    default List<XfsInodeGroup> xfsInumbers(long from, int max) throws FsException {
        throw new FsException(Errno.ENOTTY, "XFS_IOC_INUMBERS: not an XFS file system");
    }

    /**
     * {@code FS_IOC_GETFSMAP}: who owns each range of the device asked for, as the mounted format
     * reports it ({@link SuperBlock#getfsmap} says what each reports).
     *
     * @param keys the device and the range of it
     * @return the records in device order
     * @throws FsException ENOTTY where the format has no FS_IOC_GETFSMAP; EINVAL for a low key after the high key
     */
    default List<FsmapRecord> getfsmap(FsmapKeys keys) throws FsException {
        throw new FsException(Errno.ENOTTY, "FS_IOC_GETFSMAP: not supported by this file system");
    }

    /**
     * {@code XFS_IOC_BULKSTAT}'s walk, one inode long: the first inode at or after {@code from}
     * that bulkstat reports, which is every allocated inode but the file system's own (the
     * realtime bitmap and summary: xfs_internal_inum).
     *
     * @param from the first inode number to consider (unsigned)
     * @return that inode's number, or -1 when there is none
     * @throws FsException ENOTTY on a format that is not XFS
     */
    default long xfsBulkstatNext(long from) throws FsException {
        throw new FsException(Errno.ENOTTY, "XFS_IOC_BULKSTAT: not an XFS file system");
    }

    /**
     * {@code XFS_IOC_FSBULKSTAT_SINGLE}'s {@code xfs_bulkstat_one}: the record of inode {@code ino},
     * which must be one bulkstat reports ({@link #xfsBulkstatNext}).
     *
     * @param ino the inode number (unsigned)
     * @return its record
     * @throws FsException EINVAL for an inode not in use, internal or beyond the file system (as
     *                     xfs_iget answers bulkstat); ENOTTY on a format that is not XFS
     */
    default XfsBulkstat xfsBulkstat(long ino) throws FsException {
        throw new FsException(Errno.ENOTTY, "XFS_IOC_BULKSTAT: not an XFS file system");
    }

    /**
     * {@code FS_IOC_GET_ENCRYPTION_POLICY_EX} of inode {@code ino}, or with {@code v1Ioctl} the old
     * {@code FS_IOC_GET_ENCRYPTION_POLICY}, which has only v1 policies.
     *
     * @param ino     the file or directory
     * @param v1Ioctl whether to ask as the old ioctl
     * @return its fscrypt policy
     * @throws FsException ENOTTY where the format has no fscrypt (XFS, fs/ext2), EOPNOTSUPP on ext4
     *                     made without {@code encrypt}, ENODATA for an inode that is not encrypted,
     *                     EINVAL for a context that is not valid or, from the old ioctl, not v1
     */
    default EncryptionPolicy encryptionPolicy(long ino, boolean v1Ioctl) throws FsException {
        throw new FsException(Errno.ENOTTY, "FS_IOC_GET_ENCRYPTION_POLICY: not supported");
    }

    /**
     * {@code FS_IOC_SET_ENCRYPTION_POLICY} of inode {@code ino}: an empty directory's policy, or
     * nothing for an inode that already has this one. jdax holds no keys: a v2 policy is ENOKEY
     * (its key was never added, which Linux requires); a v1 policy, which needs none, is stored.
     *
     * @throws FsException ENOTTY, EOPNOTSUPP as {@link #encryptionPolicy}; EINVAL for an unknown
     *                     version, modes or flags; EEXIST for an inode with another policy;
     *                     ENOTDIR, ENOTEMPTY for what is not an empty directory; EROFS
     */
    default void setEncryptionPolicy(long ino, EncryptionPolicy policy) throws FsException {
        throw new FsException(Errno.ENOTTY, "FS_IOC_SET_ENCRYPTION_POLICY: not supported");
    }

    /**
     * {@code FS_IOC_GET_ENCRYPTION_KEY_STATUS} of the master key {@code keySpec} (an 8-byte
     * descriptor or a 16-byte identifier): FSCRYPT_KEY_STATUS_ABSENT (1), since jdax holds no keys.
     *
     * @throws FsException ENOTTY, EOPNOTSUPP as {@link #encryptionPolicy}; EINVAL for a key of
     *                     another length
     */
    default int encryptionKeyStatus(byte[] keySpec) throws FsException {
        throw new FsException(Errno.ENOTTY, "FS_IOC_GET_ENCRYPTION_KEY_STATUS: not supported");
    }

    /**
     * {@code FS_IOC_REMOVE_ENCRYPTION_KEY} ({@code _ALL_USERS} with {@code allUsers}) of
     * {@code keySpec}: ENOKEY, since no key was added.
     */
    default void removeEncryptionKey(byte[] keySpec, boolean allUsers) throws FsException {
        throw new FsException(Errno.ENOTTY, "FS_IOC_REMOVE_ENCRYPTION_KEY: not supported");
    }

    /**
     * {@code FS_IOC_ADD_ENCRYPTION_KEY}: EOPNOTSUPP where the format has fscrypt, since jdax
     * decrypts nothing (Linux would take the key and open the files it protects).
     */
    default void addEncryptionKey(byte[] keySpec, byte[] rawKey) throws FsException {
        throw new FsException(Errno.ENOTTY, "FS_IOC_ADD_ENCRYPTION_KEY: not supported");
    }

    /**
     * {@code FS_IOC_GETFSLABEL}: the file system's label.
     *
     * @return the label's bytes, up to its first NUL (empty when there is none)
     * @throws FsException ENOTTY for a format without a label ioctl (fs/ext2)
     */
    default byte[] label() throws FsException {
        throw new FsException(Errno.ENOTTY, "FS_IOC_GETFSLABEL: not supported");
    }

    /**
     * {@code FS_IOC_SETFSLABEL}: a new label, in the superblock and its copies. The bytes up to the
     * first NUL are the label, as the ioctl reads a C string.
     *
     * @param label the new label; empty clears it
     * @throws FsException EINVAL when it is longer than the format keeps (XFS 12 bytes, ext4 16),
     *                     EROFS on a read-only mount, ENOTTY for a format without a label ioctl
     */
    default void setLabel(byte[] label) throws FsException {
        throw new FsException(Errno.ENOTTY, "FS_IOC_SETFSLABEL: not supported");
    }

    /** Opens a regular file by inode ({@link OpenFlags}); {@code O_TRUNC} truncates. EISDIR for a directory. */
    OpenFile open(long ino, int flags) throws FsException;

    /**
     * {@code fsync} of any inode by number, a directory included (how a program makes a create or a
     * rename durable): commits the transaction that last changed it.
     *
     * @param ino      the inode
     * @param dataOnly fdatasync
     * @throws FsException ESTALE for an inode no longer in use, EIO
     */
    void fsync(long ino, boolean dataOnly) throws FsException;

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
     *
     * @param path       an absolute path
     * @param followLast whether a symbolic link at the end is followed
     * @return the inode number
     * @throws FsException ENOENT, ENOTDIR, ELOOP, EINVAL for a relative path
     */
    long resolve(String path, boolean followLast) throws FsException;

    /**
     * Resolves the directory that holds the last component of {@code path} (see
     * {@link PathWalk#lastName}).
     *
     * @param path an absolute path with a last component
     * @return the directory's inode number
     * @throws FsException ENOENT, ENOTDIR, ELOOP, EINVAL
     */
    long resolveParent(String path) throws FsException;

    /**
     * Whether absolute {@code path} names something ({@code faccessat(F_OK)}), following a final
     * symbolic link when {@code followLast}: false where {@link #resolve} fails with ENOENT or
     * ENOTDIR, the other errors thrown as it throws them.
     *
     * @param path       an absolute path
     * @param followLast follow a final symbolic link
     * @return whether it exists
     * @throws FsException what the walk meets other than a missing name (ELOOP, EACCES, EIO ...)
     */
    default boolean exists(String path, boolean followLast) throws FsException {
        try {
            resolve(path, followLast);
            return true;
        } catch (FsException e) {
            if (e.errno() == Errno.ENOENT || e.errno() == Errno.ENOTDIR) {
                return false;
            }
            throw e;
        }
    }

    /**
     * {@code statx} of absolute {@code path}, following a final symbolic link when {@code followLast}.
     *
     * @param path       an absolute path
     * @param followLast follow a final symbolic link
     * @return its attributes
     * @throws FsException ENOENT, ENOTDIR, ELOOP ... as {@link #resolve}
     */
    default StatInfo stat(String path, boolean followLast) throws FsException {
        return stat(resolve(path, followLast));
    }

    /**
     * {@link #resolve(String, boolean)} of a path whose components are kept hashed; a file system
     * with a dentry cache looks them up by the kept hashes.
     *
     * @param path       an absolute path name
     * @param followLast follow a final symbolic link
     * @return the inode number
     * @throws FsException as {@link #resolve(String, boolean)}
     */
    default long resolve(PathName path, boolean followLast) throws FsException {
        return resolve(path.path(), followLast);
    }

    /**
     * {@link #exists(String, boolean)} of a path whose components are kept hashed.
     *
     * @param path       an absolute path name
     * @param followLast follow a final symbolic link
     * @return whether it exists
     * @throws FsException as {@link #exists(String, boolean)}
     */
    default boolean exists(PathName path, boolean followLast) throws FsException {
        return exists(path.path(), followLast);
    }

    /**
     * {@link #stat(String, boolean)} of a path whose components are kept hashed.
     *
     * @param path       an absolute path name
     * @param followLast follow a final symbolic link
     * @return its attributes
     * @throws FsException as {@link #stat(String, boolean)}
     */
    default StatInfo stat(PathName path, boolean followLast) throws FsException {
        return stat(path.path(), followLast);
    }

    /**
     * {@code open(2)} of an absolute path: {@code O_CREAT} makes the file (mode 0644, root owner)
     * when it is absent, atomically under the directory's lock, so concurrent opens of one new name
     * all succeed and open one file; {@code O_EXCL} fails with EEXIST when it exists;
     * {@code O_NOFOLLOW} refuses a symbolic link at the end (ELOOP); {@code O_TRUNC} truncates;
     * {@code O_DIRECTORY} refuses anything but a directory (ENOTDIR); {@code O_TMPFILE} makes an
     * unnamed file in the directory the path names (EINVAL without write access or with O_CREAT,
     * EOPNOTSUPP where the format cannot).
     *
     * @param path  an absolute path
     * @param flags {@link OpenFlags}
     * @return the open file
     * @throws FsException ENOENT, EEXIST, EISDIR, ELOOP, EROFS...
     */
    default OpenFile open(String path, int flags) throws FsException {
        return open(path, flags, 0644, 0, 0);
    }

    /**
     * {@link #open(String, int)} with the mode and owner a created file gets.
     *
     * @param path  an absolute path
     * @param flags {@link OpenFlags}
     * @param mode  permission bits of a created file
     * @param uid   its owner
     * @param gid   its group
     * @return the open file
     * @throws FsException ENOENT, EEXIST, EISDIR, ELOOP, EROFS...
     */
    OpenFile open(String path, int flags, int mode, int uid, int gid) throws FsException;

    /**
     * {@link #open(String, int, int, int, int)} of a path whose components are kept hashed.
     *
     * @param path  an absolute path name
     * @param flags {@link OpenFlags}
     * @param mode  permission bits of a created file
     * @param uid   its owner
     * @param gid   its group
     * @return the open file
     * @throws FsException as {@link #open(String, int, int, int, int)}
     */
    default OpenFile open(PathName path, int flags, int mode, int uid, int gid) throws FsException {
        return open(path.path(), flags, mode, uid, gid);
    }

    /**
     * {@code unlinkat} of an absolute path: removes its last component, a non-directory, from the
     * directory that holds it.
     *
     * @param path an absolute path with a last component
     * @throws FsException as {@link #resolveParent} and {@link #unlink(long, String)}
     */
    default void unlink(String path) throws FsException {
        unlink(resolveParent(path), PathWalk.lastName(path));
    }

    /**
     * {@code unlinkat(AT_REMOVEDIR)} of an absolute path: removes its last component, an empty
     * directory.
     *
     * @param path an absolute path with a last component
     * @throws FsException as {@link #resolveParent} and {@link #rmdir(long, String)}
     */
    default void rmdir(String path) throws FsException {
        rmdir(resolveParent(path), PathWalk.lastName(path));
    }

    /**
     * {@code renameat2} of two absolute paths. The VFS holds both parents from their walks to the
     * rename, as Linux's {@code do_renameat2} holds the paths {@code filename_parentat} gave it, so
     * neither is looked up again by number.
     *
     * @param from  the name's absolute path
     * @param to    the new absolute path
     * @param flags as {@link #rename(long, String, long, String, int)}
     * @throws FsException as {@link #resolveParent} and {@link #rename(long, String, long, String, int)}
     */
    default void rename(String from, String to, int flags) throws FsException {
        rename(resolveParent(from), PathWalk.lastName(from), resolveParent(to), PathWalk.lastName(to), flags);
    }
}
