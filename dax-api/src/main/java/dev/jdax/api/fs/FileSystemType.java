package dev.jdax.api.fs;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.FsException;

import java.util.Optional;

/**
 * A personality: one on-disk format and its behaviour under DAX. Found with
 * {@code ServiceLoader<FileSystemType>} (see {@link FileSystemTypes}), so putting a personality's
 * jar on the class or module path is all it takes to use it.
 */
public interface FileSystemType {
    /** {@code "ext2"}, {@code "ext4"}, {@code "xfs"}: the name {@code mount -t} and {@code jdax -t} take. */
    String name();

    /** The smallest device this personality can make a file system on (XFS: 300 MiB). */
    long minimumSize();

    /**
     * Looks for this personality's superblock; when found, a one-line summary of it
     * ({@code "ext4, 4096-byte blocks, 81920 blocks, features: has_journal ..."}).
     */
    Optional<String> probe(DaxDevice device) throws FsException;

    /**
     * Refuses what {@link #mkfs} would refuse in {@code options} themselves (block size, features,
     * label, extended options; EINVAL naming the option), before any device is touched: mke2fs and
     * mkfs.xfs parse their options before they discard or write, and {@code jdax mkfs} asks here
     * before it empties an image. {@link #mkfs} refuses the same itself.
     */
    void checkMkfs(MkfsOptions options) throws FsException;

    /** Makes a fresh, empty file system on the whole device; refuses options as {@link #checkMkfs} does, before it writes. */
    void mkfs(DaxDevice device, MkfsOptions options) throws FsException;

    /**
     * Mounts the format on the device: the SPI side of a mount, which the VFS wraps into a
     * {@link FileSystem} ({@code dev.jdax.vfs.Vfs.mount}). Refuses unknown INCOMPAT features
     * (EOPNOTSUPP naming them), corrupt structures (EUCLEAN/EBADMSG naming them) and unknown options
     * (EINVAL), and leaves the device untouched when it refuses.
     */
    SuperBlock mount(DaxDevice device, MountOptions options) throws FsException;
}
