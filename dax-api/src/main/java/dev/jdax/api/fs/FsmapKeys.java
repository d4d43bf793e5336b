package dev.jdax.api.fs;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

/**
 * What {@code FS_IOC_GETFSMAP} is asked for, as xfs_io asks it: a device and, on it, the bytes from
 * {@code low} to {@code high} (the high key's other fields at their highest, the low key not
 * continuing an earlier call).
 *
 * @param device which device: all of them (xfs_io without {@code -d}, {@code -l} or {@code -r}),
 *               or one
 * @param low    the first byte asked for
 * @param high   the last byte asked for, unsigned; -1 for the end of the device
 */
public record FsmapKeys(Device device, long low, long high) {
    /** The devices a file system may span. */
    public enum Device {
        /** Every device, in device-number order. */
        ALL,
        /** The data device. */
        DATA,
        /** An external log or journal device. */
        LOG,
        /** The realtime device. */
        REALTIME,
        /** A device number the file system does not have: both drivers refuse it (EINVAL). */
        OTHER
    }

    /** The whole of every device. */
    public static FsmapKeys all() {
        return new FsmapKeys(Device.ALL, 0, -1);
    }

    /**
     * Refuses keys as both drivers do before they look at any device: a device number the file
     * system does not have (ext4_getfsmap_is_valid_device, xfs_getfsmap_is_valid_device), then a
     * low key after the high key (check_keys), in the units the driver turned the keys into (XFS's
     * 512-byte basic blocks, ext4's blocks): two keys in one unit are in order.
     *
     * @param unitShift log2 of the driver's unit in bytes
     * @throws FsException EINVAL for {@link Device#OTHER}, or when {@code low} follows {@code high} (unsigned)
     */
    public void requireValid(int unitShift) throws FsException {
        if (device == Device.OTHER) {
            throw FsException.of(Errno.EINVAL, "FS_IOC_GETFSMAP: a device number this file system does not have");
        }
        if (Long.compareUnsigned(low >>> unitShift, high >>> unitShift) > 0) {
            throw FsException.of(Errno.EINVAL, "FS_IOC_GETFSMAP: low key %s after high key %s",
                    Long.toUnsignedString(low), Long.toUnsignedString(high));
        }
    }

    /** Whether the data device is asked for: jdax's file systems have no other (no external log, no realtime device). */
    public boolean dataDevice() {
        return device == Device.ALL || device == Device.DATA;
    }
}
