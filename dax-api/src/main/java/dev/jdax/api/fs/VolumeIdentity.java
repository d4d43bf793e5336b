package dev.jdax.api.fs;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.UUID;

/**
 * What names a file system to a user, as blkid shows it: its label and its UUID.
 *
 * @param label the label, empty when none
 * @param uuid  the file-system UUID
 */
public record VolumeIdentity(String label, UUID uuid) {
    /**
     * Reads a superblock's fields: a label field of fixed width, NUL-padded (a full one has no NUL),
     * and the 16 UUID bytes in the order the UUID is written (ext2/ext4's s_uuid, XFS's sb_uuid).
     */
    public static VolumeIdentity of(byte[] labelField, byte[] uuid16) {
        ByteBuffer u = ByteBuffer.wrap(uuid16);
        return new VolumeIdentity(new String(untilNul(labelField), StandardCharsets.UTF_8), new UUID(u.getLong(), u.getLong()));
    }

    /**
     * {@return a label's bytes read as a C string: up to the first NUL, or all of them} Both a
     * stored field (NUL-padded) and a label a user gives (FS_IOC_SETFSLABEL's) are read so.
     */
    public static byte[] untilNul(byte[] label) {
        int len = 0;
        while (len < label.length && label[len] != 0) {
            len++;
        }
        return Arrays.copyOf(label, len);
    }

    /** {@return the label (when there is one) and the UUID, for a one-line summary} */
    @Override
    public String toString() {
        return (label.isEmpty() ? "" : "label \"" + label + "\", ") + "UUID " + uuid;
    }
}
