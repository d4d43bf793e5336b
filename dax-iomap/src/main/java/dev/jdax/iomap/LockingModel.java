package dev.jdax.iomap;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

/**
 * Which per-inode locks a read, a write and a fault take: the models of the kernels (ext2/ext4's
 * inode rwsem, ext4's 2016 dioread_nolock, XFS's IOLOCK + MMAPLOCK) and one none of them has.
 */
public enum LockingModel {
    /** ext2, ext4 (Linux 6.1 default): writes exclusive, reads shared, on {@code i_rwsem}. */
    INODE_RWSEM("inode_rwsem"),
    /** ext4 dioread_nolock as the 2016 seed describes it: reads take no inode lock, so they may see a write half done. */
    DIOREAD_NOLOCK("dioread_nolock"),
    /** XFS: IOLOCK shared for reads, exclusive for writes; MMAPLOCK keeps faults out of truncate and fallocate. */
    XFS_IOLOCK_MMAPLOCK("xfs"),
    /** No kernel has it: reads and writes lock only their byte range, so disjoint writers run in parallel. */
    RANGE_LOCK("range");

    private final String optionName;

    LockingModel(String optionName) {
        this.optionName = optionName;
    }

    /** {@return the name {@code locking=} takes for this model} */
    public String optionName() {
        return optionName;
    }

    /**
     * The model named by the mount option {@code locking=NAME}.
     *
     * @param name the option's value
     * @return the model
     * @throws FsException EINVAL naming the value when no model has that name
     */
    public static LockingModel parse(String name) throws FsException {
        for (LockingModel m : values()) {
            if (m.optionName.equals(name)) {
                return m;
            }
        }
        throw FsException.of(Errno.EINVAL, "locking=%s: want inode_rwsem, dioread_nolock, xfs or range", name);
    }
}
