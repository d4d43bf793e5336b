package dev.jdax.vfs;

import dev.jdax.api.FsException;
import dev.jdax.api.fs.AtimeRule;
import dev.jdax.api.fs.FsxAttr;
import dev.jdax.api.fs.StatInfo;
import dev.jdax.api.fs.SuperBlock;
import dev.jdax.api.fs.Vnode;

import java.time.Instant;

/**
 * {@code touch_atime} for the accesses the VFS makes itself: a directory read, a symbolic link read
 * or followed. A regular file's reads and mappings are the engine's to count. The mount's
 * {@link AtimeRule} decides, after the inode's own refusal (chattr +A); a read-only mount writes no
 * access time at all.
 */
final class AccessTimes {
    private final SuperBlock sb;
    /** The mount's rule, or null where no access writes a time (noatime, read-only). */
    private final AtimeRule rule;
    private final long statfsFlags;

    AccessTimes(SuperBlock sb) {
        this.sb = sb;
        this.rule = AtimeRule.writing(sb.options(), sb.readOnly());
        this.statfsFlags = AtimeRule.of(sb.options()).statfsFlags();
    }

    /** {@return the {@code ST_*} bits of the mount's rule} (a read-only mount keeps them: statfs says both) */
    long statfsFlags() {
        return statfsFlags;
    }

    /**
     * An access of {@code v}: writes the time now as its access time when the rule asks. As
     * touch_atime, it never fails the access: a time that cannot be written stays as it was.
     *
     * @param v         the inode accessed, referenced by the caller
     * @param directory whether it is a directory (nodiratime)
     */
    void accessed(Vnode v, boolean directory) {
        if (rule == null || (v.inodeFlags() & FsxAttr.FS_XFLAG_NOATIME) != 0) {
            return;
        }
        try {
            StatInfo st = v.stat();
            Instant now = sb.currentTime();
            if (rule.needsUpdate(directory, st.atime(), st.mtime(), st.ctime(), now)) {
                v.updateAtime(now);
            }
        } catch (FsException e) {
            // touch_atime ignores update_time's error: the access happened, its time is not kept.
        }
    }
}
