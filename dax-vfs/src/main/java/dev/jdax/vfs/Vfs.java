package dev.jdax.vfs;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.FileSystemType;
import dev.jdax.api.fs.FileSystemTypes;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.SuperBlock;

/**
 * Mounting: a personality's format on a device, and the VFS over it. What programs, the CLI and
 * the NIO provider mount; closing the {@link FileSystem} unmounts.
 */
public final class Vfs {
    private Vfs() {
    }

    /**
     * Mounts {@code device} as {@code type} with {@code options}.
     *
     * @param type    the personality
     * @param device  the device
     * @param options mount options
     * @return the mounted file system
     * @throws FsException what the personality refuses (unknown features, corrupt structures, bad options)
     */
    public static FileSystem mount(FileSystemType type, DaxDevice device, MountOptions options) throws FsException {
        return over(type.mount(device, options));
    }

    /**
     * Mounts {@code device} as the personality whose superblock is on it.
     *
     * @param device  the device
     * @param options mount options
     * @return the mounted file system
     * @throws FsException EINVAL when no personality knows the device, or what the personality refuses
     */
    public static FileSystem mount(DaxDevice device, MountOptions options) throws FsException {
        FileSystemType type = FileSystemTypes.detect(device).orElseThrow(() -> FsException.of(Errno.EINVAL,
                "%s: no file system jdax knows on it", device.name())).type();
        return mount(type, device, options);
    }

    /**
     * The VFS over a format already mounted.
     *
     * @param sb the personality's mounted format
     * @return the file system programs use
     */
    public static FileSystem over(SuperBlock sb) {
        return new VfsMount(sb);
    }

    /**
     * The format under a VFS mount ({@code file->f_inode->i_sb}), for tests and tools that look at
     * its structures.
     *
     * @param fs a file system this class mounted
     * @return its personality's mounted format
     * @throws IllegalArgumentException when {@code fs} is not a VFS mount
     */
    public static SuperBlock superBlock(FileSystem fs) {
        if (!(fs instanceof VfsMount m)) {
            throw new IllegalArgumentException(fs + " is not a VFS mount");
        }
        return m.superBlock();
    }
}
