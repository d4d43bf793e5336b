package dev.jdax.vfs;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileType;
import dev.jdax.api.fs.FsxAttr;
import dev.jdax.api.fs.InodeFlags;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.Vnode;

/**
 * {@code FS_IOC_FSSETXATTR} of a whole {@link FsxAttr}, as vfs_fileattr_set does it once for every
 * format: fileattr_set_prepare's rules first, then the changes, each made by the format through the
 * setter it already has (the flags, the DAX flag, the extent size hint, the project id). Called
 * with the inode's i_rwsem held exclusively ({@link VfsMount#fileattrSet}), so that they are one
 * change to every other caller of the VFS.
 */
final class FileattrSet {
    /** The hint flags, which follow their sizes rather than being set on their own. */
    private static final int HINT_FLAGS = FsxAttr.FS_XFLAG_EXTSIZE | FsxAttr.FS_XFLAG_EXTSZINHERIT;
    /** INVALID_PROJID: no project, never an inode's (fileattr_set_prepare's projid_valid). */
    private static final int INVALID_PROJID = -1;
    /** The flags the formats take through {@link Vnode#setInodeFlags}. */
    private static final int FLAG_SET = InodeFlags.CHATTR | InodeFlags.PER_FORMAT;

    private FileattrSet() {
    }

    /**
     * Changes the inode's attributes to {@code want}.
     *
     * @param what the inode, for messages
     * @param v the inode: its flags, and a directory's DAX flag and hint
     * @param regular the engine's open file of a regular file, whose DAX flag and hint change under
     *     the engine's locks (below the i_rwsem held); null for a directory
     * @throws FsException EINVAL for a hint flag or the DAX flag on a type that cannot have it, for
     *         an extent size hint left without its flag (xfs_inode_validate_extsize, Linux 6.1
     *         measured) and for project id 4294967295; EOPNOTSUPP for a change jdax does not make
     *         (flags no format keeps, a CoW extent size hint where the format keeps none); whatever the format refuses
     */
    static void apply(String what, Vnode v, OpenFile regular, FsxAttr want) throws FsException {
        FsxAttr cur = regular != null ? regular.fsxattr() : v.fsxattr();
        int now = cur.xflags();
        int next = prepared(what, v.type(), want);
        boolean cowChanges = want.cowextsize() != cur.cowextsize() || ((now ^ next) & FsxAttr.FS_XFLAG_COWEXTSIZE) != 0;
        boolean projidChanges = want.projid() != cur.projid();
        if (projidChanges && want.projid() == INVALID_PROJID) {
            throw FsException.of(Errno.EINVAL, "%s: project id %d is (projid_t) -1, no project's", what,
                    Integer.toUnsignedLong(want.projid()));
        }
        boolean hintChanges = want.extsize() != cur.extsize();
        if (hintChanges ? want.extsize() != 0 && (next & HINT_FLAGS) == 0 : ((now ^ next) & HINT_FLAGS) != 0) {
            // With the size unchanged, only a clear gets here: prepare dropped a set without a size.
            throw FsException.of(Errno.EINVAL, "%s: extent size hint %d without its flag", what,
                    Integer.toUnsignedLong(want.extsize()));
        }
        int settable = FsxAttr.FS_XFLAG_DAX | FLAG_SET | HINT_FLAGS | FsxAttr.FS_XFLAG_COWEXTSIZE;
        if (((now ^ next) & ~settable) != 0) {
            throw FsException.of(Errno.EOPNOTSUPP, "%s: flags %#x cannot be changed by jdax", what, (now ^ next) & ~settable);
        }
        boolean flagsChange = ((now ^ next) & FLAG_SET) != 0;
        // One transaction in Linux; several calls here. Clearing immutable goes first, so that ext4
        // lets the rest change in the same call; setting it goes last.
        boolean flagsFirst = InodeFlags.immutable(now) && !InodeFlags.immutable(next);
        if (flagsChange && flagsFirst) {
            v.setInodeFlags(next & FLAG_SET);
        }
        if (hintChanges) {
            long bytes = Integer.toUnsignedLong(want.extsize());
            if (regular != null) {
                regular.setExtsize(bytes);
            } else {
                v.setExtsize(bytes);
            }
        }
        if (((now ^ next) & FsxAttr.FS_XFLAG_DAX) != 0) {
            boolean dax = (next & FsxAttr.FS_XFLAG_DAX) != 0;
            if (regular != null) {
                regular.setDaxFlag(dax);
            } else {
                v.setDaxFlag(dax);
            }
        }
        if (cowChanges) {
            v.setCowextsize((next & FsxAttr.FS_XFLAG_COWEXTSIZE) != 0, Integer.toUnsignedLong(want.cowextsize()));
        }
        if (projidChanges) {
            // ext4 sets the flags before the project id; with immutable set last here, the project
            // id goes first only when immutable comes with it, which changes nothing ext4 checks.
            v.setProjid(want.projid());
        }
        if (flagsChange && !flagsFirst) {
            v.setInodeFlags(next & FLAG_SET);
        }
    }

    /**
     * fileattr_set_prepare: extsize on a regular file only, extsz-inherit on a directory only,
     * cowextsize and DAX on either (EINVAL); then a hint flag whose size is zero is dropped without
     * a word.
     */
    private static int prepared(String what, FileType type, FsxAttr want) throws FsException {
        int x = want.xflags();
        boolean regOrDir = type == FileType.REGULAR || type == FileType.DIRECTORY;
        if ((x & FsxAttr.FS_XFLAG_EXTSIZE) != 0 && type != FileType.REGULAR
                || (x & FsxAttr.FS_XFLAG_EXTSZINHERIT) != 0 && type != FileType.DIRECTORY
                || (x & (FsxAttr.FS_XFLAG_COWEXTSIZE | FsxAttr.FS_XFLAG_DAX)) != 0 && !regOrDir) {
            throw FsException.of(Errno.EINVAL, "%s: flags %#x do not apply to a %s", what, x, type);
        }
        if (want.extsize() == 0) {
            x &= ~HINT_FLAGS;
        }
        if (want.cowextsize() == 0) {
            x &= ~FsxAttr.FS_XFLAG_COWEXTSIZE;
        }
        return x;
    }
}
