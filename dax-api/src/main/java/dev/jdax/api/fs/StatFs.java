package dev.jdax.api.fs;

/**
 * What {@code statfs} returns.
 *
 * @param type the {@code f_type} magic ({@code 0xef53} for ext2/ext4, {@code 0x58465342} for XFS)
 */
public record StatFs(long type, long bsize, long blocks, long bfree, long bavail, long files, long ffree,
                     long namelen) {
}
