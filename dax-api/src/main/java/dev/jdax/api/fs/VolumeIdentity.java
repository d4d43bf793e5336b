package dev.jdax.api.fs;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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
        int n = 0;
        while (n < labelField.length && labelField[n] != 0) {
            n++;
        }
        ByteBuffer u = ByteBuffer.wrap(uuid16);
        return new VolumeIdentity(new String(labelField, 0, n, StandardCharsets.UTF_8), new UUID(u.getLong(), u.getLong()));
    }

    /** {@return the label (when there is one) and the UUID, for a one-line summary} */
    @Override
    public String toString() {
        return (label.isEmpty() ? "" : "label \"" + label + "\", ") + "UUID " + uuid;
    }
}
