package dev.jdax.api.fs;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

/**
 * Device numbers in the forms they take between a program and a disk. A program's {@code dev_t}
 * (glibc's {@code makedev}: {@code st_rdev}, the JDK's {@code unix:rdev}, what {@link StatInfo#rdev}
 * holds) becomes the kernel's 12-bit major and 20-bit minor ({@code mknod(2)} refuses a number
 * that does not fit, EINVAL), and each format stores those its own way: ext2 and ext4 in
 * {@code i_block} as {@code old_encode_dev} when major and minor are both below 256 and as
 * {@code new_encode_dev} otherwise ({@code include/linux/kdev_t.h}), XFS as a 32-bit
 * {@code sysv_encode_dev} ({@code linux_to_xfs_dev_t}).
 */
public final class DeviceNumbers {
    /** The largest major the kernel keeps ({@code MINORBITS} 20 of a 32-bit {@code dev_t}). */
    public static final int MAX_MAJOR = 0xfff;
    /** The largest minor the kernel keeps. */
    public static final int MAX_MINOR = 0xfffff;

    private DeviceNumbers() {
    }

    /** glibc's {@code makedev}: the major's low 12 bits over the minor's low byte, the rest of each above. */
    public static long makedev(long major, long minor) {
        return (major & 0xfff) << 8 | (major & 0xfffff000L) << 32 | (minor & 0xff) | (minor & 0xffffff00L) << 12;
    }

    /** glibc's {@code major}. */
    public static long major(long dev) {
        return (dev & 0xfff00) >>> 8 | (dev & 0xfffff00000000000L) >>> 32;
    }

    /** glibc's {@code minor}. */
    public static long minor(long dev) {
        return (dev & 0xff) | (dev & 0xffffff00000L) >>> 12;
    }

    /**
     * {@code dev} as the kernel takes it from {@code mknod(2)}: EINVAL for a number glibc does not
     * pass (bits above 32) or whose major or minor the kernel cannot hold.
     */
    public static long checked(long dev, String path) throws FsException {
        if (major(dev) > MAX_MAJOR || minor(dev) > MAX_MINOR) {
            throw FsException.of(Errno.EINVAL, "mknod \"%s\": device %d,%d: the kernel holds majors to %d and minors to %d",
                    path, major(dev), minor(dev), MAX_MAJOR, MAX_MINOR);
        }
        return dev;
    }

    /** Whether ext2 and ext4 store {@code dev} in its old 16-bit form ({@code old_valid_dev}). */
    public static boolean oldValid(long dev) {
        return major(dev) < 256 && minor(dev) < 256;
    }

    /** {@code old_encode_dev}: major in the high byte of 16 bits, minor in the low. */
    public static int oldEncode(long dev) {
        return (int) (major(dev) << 8 | minor(dev));
    }

    /** {@code old_decode_dev}. */
    public static long oldDecode(int v) {
        return makedev(v >>> 8 & 0xff, v & 0xff);
    }

    /** {@code new_encode_dev}: the minor's low byte, the major, the rest of the minor above. */
    public static int newEncode(long dev) {
        long major = major(dev);
        long minor = minor(dev);
        return (int) ((minor & 0xff) | major << 8 | (minor & ~0xffL) << 12);
    }

    /** {@code new_decode_dev}. */
    public static long newDecode(int v) {
        long u = Integer.toUnsignedLong(v);
        return makedev((u & 0xfff00) >>> 8, (u & 0xff) | (u >>> 12 & 0xfff00));
    }

    /**
     * The first two words of an ext2 or ext4 device inode's {@code i_block} for {@code dev}
     * (ext2_write_inode, ext4_do_update_inode): the old form in the first and 0 in the second, or 0
     * and the new form.
     */
    public static int[] extEncode(long dev) {
        return oldValid(dev) ? new int[] {oldEncode(dev), 0} : new int[] {0, newEncode(dev)};
    }

    /** The device number in {@code i_block}'s first two words (ext2_iget, ext4_iget): the old form unless it is 0. */
    public static long extDecode(long word0, long word1) {
        return word0 != 0 ? oldDecode((int) word0) : newDecode((int) word1);
    }

    /** {@code sysv_encode_dev}, XFS's {@code xfs_dev_t}: a 14-bit major over an 18-bit minor. */
    public static int sysvEncode(long dev) {
        return (int) (minor(dev) | major(dev) << 18);
    }

    /** {@code sysv_decode_dev}. */
    public static long sysvDecode(int v) {
        long u = Integer.toUnsignedLong(v);
        return makedev(u >>> 18 & 0x3fff, u & 0x3ffff);
    }

    /** Whether a file of {@code type} carries a device number (a character or block device). */
    public static boolean hasDevice(FileType type) {
        return type == FileType.CHAR_DEVICE || type == FileType.BLOCK_DEVICE;
    }
}
