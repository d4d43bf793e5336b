package dev.jdax.api.fs;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.Inode;

import java.util.List;

/**
 * One in-core inode of a personality: what Linux keeps in {@code struct inode} and reaches through
 * its {@code inode_operations}, the metadata half of its {@code file_operations} and
 * {@code evict_inode}. The SPI side: only the VFS calls it, having checked the name rules, the
 * existence of names, link limits, ancestry and read-only mounts, and holding the locks each
 * method names ({@code docs/LOCKING.md}). A personality keeps only its format here.
 *
 * <p>Directory methods are called on the directory; the defaults refuse them with ENOTDIR.
 */
public interface Vnode extends Inode {
    /** The inode number the VFS uses for "not there" in {@link #lookup}. */
    long NO_INO = -1;

    /** {@return the file type, fixed for the inode's life} */
    FileType type();

    /** {@return {@code i_nlink}: links from directories (0 once unlinked)} */
    long nlink();

    /**
     * {@code getattr}.
     *
     * @return the attributes now
     * @throws FsException when the inode cannot be read
     */
    StatInfo stat() throws FsException;

    /**
     * Looks {@code name} up in this directory ({@code ".."} included: the parent). Directory held
     * shared.
     *
     * @param name one component
     * @return its inode number, or {@link #NO_INO}
     * @throws FsException EUCLEAN/EBADMSG for a corrupt directory
     */
    default long lookup(String name) throws FsException {
        throw notDir();
    }

    /**
     * The key under which the VFS caches {@code name} in this directory, as a dentry's d_hash and
     * d_compare make it: a directory that compares names case-insensitively (ext4 casefold) gives
     * every spelling of a name one key, so that a dentry cached for one spelling answers for all.
     * It must be idempotent (the key of a key is itself). The name itself by default.
     *
     * @param name one component
     * @return its cache key
     */
    default String dentryName(String name) {
        return name;
    }

    /**
     * The entries, without {@code .} and {@code ..}. Directory held shared.
     *
     * @return the entries
     * @throws FsException when the directory cannot be read
     */
    default List<DirEntry> readdir() throws FsException {
        throw notDir();
    }

    /**
     * {@code iterate_shared}: the directory as getdents lists it, {@code .} and {@code ..} included,
     * each entry with its position. Directory held shared.
     *
     * @return the listing
     * @throws FsException ENOTDIR; EOPNOTSUPP where the format's positions are not given
     */
    default DirStream getdents() throws FsException {
        readdir();
        throw FsException.of(Errno.EOPNOTSUPP, "getdents of directory %d: positions not given by this file system", ino());
    }

    /**
     * Makes a regular file {@code name} (known absent). Directory held exclusively.
     *
     * @param name a valid, absent name
     * @param mode permission bits
     * @param uid  owner
     * @param gid  group
     * @return the new inode, with one link
     * @throws FsException ENOSPC, EDQUOT, EIO
     */
    default Vnode create(String name, int mode, int uid, int gid) throws FsException {
        throw notDir();
    }

    /**
     * Makes a directory {@code name} (known absent) with its {@code .} and {@code ..}. Directory held
     * exclusively; the VFS has checked its link count against {@link SuperBlock#maxLinks()}.
     *
     * @param name a valid, absent name
     * @param mode permission bits
     * @param uid  owner
     * @param gid  group
     * @return the new directory
     * @throws FsException ENOSPC, EIO
     */
    default Vnode mkdir(String name, int mode, int uid, int gid) throws FsException {
        throw notDir();
    }

    /**
     * Makes a symbolic link {@code name} (known absent) to {@code target}. Directory held exclusively.
     *
     * @param name   a valid, absent name
     * @param target the link's text
     * @param uid    owner
     * @param gid    group
     * @return the new link
     * @throws FsException ENAMETOOLONG for a target the format cannot hold, ENOSPC
     */
    default Vnode symlink(String name, String target, int uid, int gid) throws FsException {
        throw notDir();
    }

    /**
     * {@code ->mknod}: makes a character or block device, a FIFO or a socket {@code name} (known
     * absent), the type in {@code mode}'s {@code S_IFMT} bits. Directory held exclusively.
     *
     * @param name a valid, absent name
     * @param mode the type and permission bits
     * @param rdev the device number as a program's {@code dev_t}, checked by the VFS; 0 for a FIFO or socket
     * @param uid  owner
     * @param gid  group
     * @return the new inode, with one link
     * @throws FsException EINVAL for a device number the format cannot hold, ENOSPC
     */
    default Vnode mknod(String name, int mode, long rdev, int uid, int gid) throws FsException {
        throw notDir();
    }

    /**
     * {@code ->tmpfile}: makes a regular file with no name and no link, in this directory's place
     * (its group or AG) but not in it, recorded as an orphan where the format keeps them (ext4's
     * orphan list, XFS's unlinked buckets) so that a crash frees it at the next mount. It goes when
     * its last reference does, unless {@link #link} gives it a name first. Directory held shared.
     *
     * @param mode permission bits
     * @param uid  owner
     * @param gid  group
     * @return the new file, with a link count of 0
     * @throws FsException EOPNOTSUPP where the format has no such file, ENOSPC
     */
    default Vnode tmpfile(int mode, int uid, int gid) throws FsException {
        if (type() != FileType.DIRECTORY) {
            throw notDir();
        }
        throw FsException.of(Errno.EOPNOTSUPP, "inode %d: this file system makes no unnamed files", ino());
    }

    /**
     * Adds {@code name} (known absent) for {@code target} (not a directory, fewer than max links)
     * and raises its link count; a target with none (a {@link #tmpfile}) leaves the orphan list.
     * Directory and target held exclusively.
     *
     * @param name   a valid, absent name
     * @param target the inode to link
     * @throws FsException ENOSPC, EIO
     */
    default void link(String name, Vnode target) throws FsException {
        throw notDir();
    }

    /**
     * Removes {@code name}, which names {@code victim} (not a directory), and drops its link count;
     * at 0 the inode goes on the format's orphan list, to be freed at {@link #evict} (or at the next
     * mount after a crash). Directory and victim held exclusively.
     *
     * @param name   the name
     * @param victim the inode it names
     * @throws FsException EIO
     */
    default void unlink(String name, Vnode victim) throws FsException {
        throw notDir();
    }

    /**
     * Removes directory {@code victim}, named {@code name}, when it is empty (else ENOTEMPTY); its
     * link count becomes 0 and this directory loses the link its {@code ..} held. Directory and
     * victim held exclusively.
     *
     * @param name   the name
     * @param victim the directory it names
     * @throws FsException ENOTEMPTY, EIO
     */
    default void rmdir(String name, Vnode victim) throws FsException {
        throw notDir();
    }

    /**
     * {@code renameat2}: moves {@code moving}, named {@code name} here, to {@code newName} in
     * {@code newDir}, replacing {@code victim} (null when the name is free; the VFS has checked that
     * the two are both directories or both not, the format checks a victim directory is empty). With
     * {@link OpenFlags#RENAME_EXCHANGE} the two swap. The VFS has checked ancestry and flags against
     * {@link SuperBlock#renameFlags()}. Both directories, {@code moving} and {@code victim} held
     * exclusively (and the rename lock when the directories differ).
     *
     * @param name    the old name
     * @param moving  the inode it names
     * @param newDir  the directory it goes to (may be this one)
     * @param newName the new name
     * @param victim  what the new name names now, or null
     * @param flags   renameat2 flags
     * @throws FsException ENOTEMPTY for a victim directory with entries, ENOSPC, EIO
     */
    default void rename(String name, Vnode moving, Vnode newDir, String newName, Vnode victim, int flags)
            throws FsException {
        throw notDir();
    }

    /**
     * {@code readlink}.
     *
     * @return the target text
     * @throws FsException EINVAL for anything but a symbolic link
     */
    default String readlink() throws FsException {
        throw FsException.of(Errno.EINVAL, "inode %d is not a symbolic link", ino());
    }

    /**
     * Where {@code SEEK_DATA} and {@code SEEK_HOLE} on this open directory end (its llseek's end):
     * the directory's size by default, as {@code generic_file_llseek} has it (ext2, XFS); ext4 ends
     * a hashed directory at the htree's end-of-directory cookie.
     *
     * @return the offset of the directory's end for llseek
     * @throws FsException EIO
     */
    default long directorySeekEnd() throws FsException {
        return stat().size();
    }

    /**
     * {@code FS_IOC_FIEMAP} of an inode the VFS opened itself (a directory; a regular file's comes
     * from its open file): EOPNOTSUPP by default, as for a file system without {@code ->fiemap}.
     *
     * @param start the first byte asked about
     * @param length how many bytes
     * @return the extents over the range, the inode's last one flagged {@link FiemapExtent#LAST}
     * @throws FsException EOPNOTSUPP where the personality does not map directories
     */
    default List<FiemapExtent> fiemap(long start, long length) throws FsException {
        throw FsException.of(Errno.EOPNOTSUPP, "FIEMAP of inode %d: not mapped by this file system", ino());
    }

    /**
     * The data fork's extents of an inode the VFS opened itself, as {@code XFS_IOC_GETBMAPX}
     * reads them ({@link OpenFile#dataForkExtents}).
     *
     * @return the extents, in file order; none for an inline fork
     * @throws FsException EOPNOTSUPP by default, as where no such ioctl exists
     */
    default List<FiemapExtent> dataForkExtents() throws FsException {
        throw FsException.of(Errno.EOPNOTSUPP, "XFS_IOC_GETBMAPX of inode %d: not an XFS inode", ino());
    }

    /**
     * {@code s_cop->get_context}: the fscrypt context stored with an encrypted inode (ext4's
     * {@code c} attribute in the encryption index), or null where it has none. The VFS asks it
     * only of an inode its format flags encrypted ({@link StatInfo#STATX_ATTR_ENCRYPTED}), on a file
     * system whose {@link SuperBlock#fscryptRefusal} is null.
     *
     * @return the context's bytes as stored, or null
     * @throws FsException when the attribute cannot be read
     */
    default byte[] encryptionContext() throws FsException {
        return null;
    }

    /**
     * {@code s_cop->set_context}: stores {@code context} with this empty directory and flags it
     * encrypted, in one transaction, its change time updated (ext4_set_context). The VFS has checked
     * the policy and that the directory is empty and not encrypted, under its lock.
     *
     * @param context the fscrypt context (its policy and a fresh nonce)
     * @throws FsException EOPNOTSUPP where the format cannot store it
     */
    default void setEncryptionContext(byte[] context) throws FsException {
        throw FsException.of(Errno.EOPNOTSUPP, "inode %d: this format stores no fscrypt context", ino());
    }

    /**
     * {@code FS_IOC_FSGETXATTR} of an inode the VFS opened itself (a directory; a regular file's
     * comes from its open file): no flags, sizes or counts by default.
     *
     * @return the inode's extended attributes as the ioctl reports them
     * @throws FsException EIO
     */
    default FsxAttr fsxattr() throws FsException {
        return new FsxAttr(0, 0, 0, 0, 0, 0);
    }

    /**
     * {@code FS_IOC_FSSETXATTR}'s CoW extent size hint ({@code fsx_cowextsize} with
     * {@code FS_XFLAG_COWEXTSIZE}), stored with a new ctime. The VFS calls this only for a change,
     * the inode held exclusively.
     *
     * @param flag  whether FS_XFLAG_COWEXTSIZE is set
     * @param bytes the hint in bytes (0 with no flag)
     * @throws FsException EOPNOTSUPP by default, where the format keeps no such hint; EINVAL for a
     *         hint the format refuses (XFS: xfs_inode_validate_cowextsize)
     */
    default void setCowextsize(boolean flag, long bytes) throws FsException {
        throw FsException.of(Errno.EOPNOTSUPP, "inode %d: no CoW extent size hint on this file system (%d bytes asked for)",
                ino(), bytes);
    }

    /**
     * {@code XFS_IOC_BULKSTAT}'s record of this inode.
     *
     * @return what bulkstat reports of it
     * @throws FsException ENOTTY on a format that is not XFS
     */
    default XfsBulkstat xfsBulkstat() throws FsException {
        throw new FsException(Errno.ENOTTY, "XFS_IOC_BULKSTAT: not an XFS file system");
    }

    /**
     * The inode's {@link InodeFlags#CHATTR} flags as {@code FS_XFLAG_*} bits (Linux's {@code S_IMMUTABLE},
     * {@code S_APPEND}, ... in {@code i_flags}): what the VFS refuses opens, names and attribute
     * changes by. Read from memory, without I/O or locks; none by default.
     */
    default int inodeFlags() {
        return 0;
    }

    /**
     * {@code FS_IOC_FSSETXATTR}'s {@link InodeFlags#CHATTR} and {@link InodeFlags#PER_FORMAT} flags:
     * the new set, stored with a new ctime; per-format flags the format does not keep are dropped
     * or refused as its Linux driver does. Inode held exclusively.
     *
     * @param xflags the flags wanted, as {@code FS_XFLAG_*} bits ({@link InodeFlags#CHATTR} and
     *     {@link InodeFlags#PER_FORMAT} only)
     * @throws FsException EOPNOTSUPP by default, as where the format keeps no such flags, and for a
     *         per-format flag the format refuses; EPERM where the format refuses a change (ext4:
     *         anything but the flag itself on an immutable inode)
     */
    default void setInodeFlags(int xflags) throws FsException {
        throw FsException.of(Errno.EOPNOTSUPP, "inode %d: no inode flags on this file system", ino());
    }

    /**
     * {@code FS_IOC_FSSETXATTR}'s project id ({@code fsx_projid}), of an inode of any type: stored
     * with a new ctime, the quota files told where the format keeps them. The VFS has refused the
     * invalid id ({@code (projid_t) -1}) and calls this only for a change. Inode held exclusively.
     *
     * @param projid the new project id, unsigned
     * @throws FsException EOPNOTSUPP by default, as for a format that keeps no project ids (fs/ext2,
     *         ext4 without the project feature); EINVAL for an id the format cannot hold (XFS
     *         without 32-bit project ids: above 65535); EPERM where the format refuses (ext4: an
     *         immutable inode, a quota file)
     */
    default void setProjid(int projid) throws FsException {
        throw FsException.of(Errno.EOPNOTSUPP, "inode %d: no project ids on this file system (project id %d asked for)",
                ino(), Integer.toUnsignedLong(projid));
    }

    /**
     * {@code FS_IOC_FSSETXATTR}'s DAX flag on an inode the VFS opened itself (a directory, which
     * gives the flag to what is created in it; a regular file's comes through its open file).
     * Inode held exclusively.
     *
     * @param dax the new flag
     * @throws FsException EOPNOTSUPP by default, as where the format has no per-file DAX flag
     */
    default void setDaxFlag(boolean dax) throws FsException {
        throw FsException.of(Errno.EOPNOTSUPP, "inode %d: no per-file DAX flag on this file system", ino());
    }

    /**
     * {@code FS_IOC_FSSETXATTR}'s extent size hint on an inode the VFS opened itself (a directory,
     * where it is the hint what is created in it inherits; a regular file's comes through its open
     * file). Inode held exclusively.
     *
     * @param bytes the hint in bytes; 0 clears it
     * @throws FsException EOPNOTSUPP by default, as for a file system without extent size hints;
     *         EINVAL for a size the personality cannot hold
     */
    default void setExtsize(long bytes) throws FsException {
        throw FsException.of(Errno.EOPNOTSUPP, "inode %d: no extent size hints on this file system", ino());
    }

    /**
     * {@code chmod}, {@code chown}, {@code utimensat} (never the size: that is the open file's
     * truncate). Inode held exclusively.
     *
     * @param attr what changes
     * @throws FsException EIO
     */
    void setattr(SetAttr attr) throws FsException;

    /**
     * {@code touch_atime}'s {@code update_time(S_ATIME)}: stores {@code atime} as the access time,
     * and nothing else (no new ctime), in the format's own transaction. The VFS calls it after an
     * access its atime rule found worth writing (a directory read, a symlink read or followed), never
     * for a regular file: its reads and mappings are the engine's to count, and the engine keeps its
     * times in core ({@code DaxInodeOps.atimeChanged}). No lock of the inode's is needed: the
     * format's metadata lock orders it with every other change of the inode.
     *
     * @param atime the new access time, at the format's granularity
     * @throws FsException EIO
     */
    void updateAtime(java.time.Instant atime) throws FsException;

    /**
     * Opens the regular file: the engine's open file for it. {@code O_TRUNC}, {@code O_CREAT} and
     * {@code O_EXCL} were handled by the VFS and are not in {@code flags}.
     *
     * @param flags access mode and per-file flags (O_APPEND, O_DIRECT, O_DSYNC...)
     * @return the open file
     * @throws FsException EISDIR for a directory, EINVAL for other types
     */
    OpenFile open(int flags) throws FsException;

    /**
     * {@code fsync} of the inode itself, a directory included: makes its changes durable (commits
     * the transaction that last changed it).
     *
     * @param dataOnly fdatasync: only what reading the data back needs
     * @throws FsException when the commit fails
     */
    void fsync(boolean dataOnly) throws FsException;

    /**
     * {@code I_DONTCACHE}: whether the VFS should evict the inode at its last release instead of
     * keeping it cached (a changed per-file DAX flag takes effect when the inode is read again).
     *
     * @return true to evict at the last release
     */
    default boolean dontCache() {
        return false;
    }

    /**
     * {@code evict_inode}: the VFS dropped its last reference and lets the inode go. With no link
     * left the inode is freed (its blocks, its number, its orphan record); otherwise only the
     * in-core state goes.
     *
     * @throws FsException when the freeing fails (the inode then stays on the orphan list)
     */
    void evict() throws FsException;

    private FsException notDir() {
        return FsException.of(Errno.ENOTDIR, "inode %d is not a directory", ino());
    }
}
