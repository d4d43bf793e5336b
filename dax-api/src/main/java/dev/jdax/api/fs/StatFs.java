package dev.jdax.api.fs;

/**
 * What {@code statfs} returns.
 *
 * @param type  the {@code f_type} magic ({@code 0xef53} for ext2/ext4, {@code 0x58465342} for XFS)
 * @param flags {@code f_flags}: the mount's {@code ST_*} bits, which the VFS fills in (a format
 *              answers 0)
 */
public record StatFs(long type, long bsize, long blocks, long bfree, long bavail, long files, long ffree,
                     long namelen, long flags) {
    /** {@code ST_RDONLY}: mounted read-only. */
    public static final long ST_RDONLY = 0x1;
    /** {@code ST_VALID}: {@code f_flags} is filled in (Linux sets it always). */
    public static final long ST_VALID = 0x20;
    /** {@code ST_NOATIME}: no access updates access times (mount -o noatime). */
    public static final long ST_NOATIME = 0x400;
    /** {@code ST_NODIRATIME}: no access updates a directory's access time. */
    public static final long ST_NODIRATIME = 0x800;
    /** {@code ST_RELATIME}: an access updates the access time only when it is not after the others, or a day old (the default). */
    public static final long ST_RELATIME = 0x1000;

    /** A format's answer, before the VFS adds the mount's flags. */
    public StatFs(long type, long bsize, long blocks, long bfree, long bavail, long files, long ffree, long namelen) {
        this(type, bsize, blocks, bfree, bavail, files, ffree, namelen, 0);
    }

    /**
     * {@return this answer with {@code f_flags} set}
     *
     * @param mountFlags the mount's {@code ST_*} bits
     */
    public StatFs withFlags(long mountFlags) {
        return new StatFs(type, bsize, blocks, bfree, bavail, files, ffree, namelen, mountFlags);
    }
}
