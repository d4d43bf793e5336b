package dev.jdax.fs.xfs;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.MountOptions;

/**
 * XFS's dax mount option (xfs_fs_parse_param): {@code dax} means {@code dax=always}; without the
 * option an XFS mount is {@code dax=inode}, where files with FS_XFLAG_DAX use DAX.
 */
enum DaxMode {
    ALWAYS, NEVER, INODE;

    static DaxMode parse(MountOptions options) throws FsException {
        if (!options.has("dax")) {
            return INODE;
        }
        return switch (options.value("dax", "")) {
            case "", "always" -> ALWAYS;
            case "never" -> NEVER;
            case "inode" -> INODE;
            default -> throw FsException.of(Errno.EINVAL, "xfs: dax=%s: want always, never or inode",
                    options.value("dax", ""));
        };
    }

    /** xfs_inode_should_enable_dax: regular files only, as the mount says or as the inode's flag says. */
    boolean enables(XfsInode in) {
        if (!in.isReg()) {
            return false;
        }
        return switch (this) {
            case ALWAYS -> true;
            case NEVER -> false;
            case INODE -> (in.di_flags2() & XfsInode.XFS_DIFLAG2_DAX) != 0;
        };
    }
}
