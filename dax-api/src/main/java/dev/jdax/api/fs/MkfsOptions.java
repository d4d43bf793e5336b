package dev.jdax.api.fs;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * What {@code jdax mkfs} passes a personality.
 *
 * @param blockSize bytes per block, or 0 for the personality's default
 * @param features  {@code -O} feature edits in mke2fs's form ({@code "^has_journal"}, {@code "metadata_csum"});
 *                  a personality refuses names it does not know with EINVAL
 * @param label     volume label, or empty
 * @param uuid      the file-system UUID, or {@code null} for a random one
 * @param extra     personality-specific settings ({@code inode_size=256}, {@code agcount=4} ...)
 */
public record MkfsOptions(int blockSize, List<String> features, String label, UUID uuid, Map<String, String> extra) {
    /** Copies the lists; a {@code null} label is empty. */
    public MkfsOptions {
        features = List.copyOf(features);
        extra = Map.copyOf(extra);
        label = label == null ? "" : label;
    }

    /** The personality's defaults: default block size, no edits, random UUID. */
    public static MkfsOptions defaults() {
        return new MkfsOptions(0, List.of(), "", null, Map.of());
    }

    /** This with block size {@code size}. */
    public MkfsOptions withBlockSize(int size) {
        return new MkfsOptions(size, features, label, uuid, extra);
    }

    /** This with the feature edits {@code f}. */
    public MkfsOptions withFeatures(List<String> f) {
        return new MkfsOptions(blockSize, f, label, uuid, extra);
    }

    /**
     * The label's bytes as the superblock keeps them (UTF-8, no NUL needed when it fills the
     * field). One longer than the format's {@code max} is refused, as mkfs.xfs refuses it; mke2fs
     * cuts it with a warning, which may split a character, so jdax refuses there too.
     */
    public byte[] labelBytes(String fsName, int max) throws FsException {
        byte[] bytes = label.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > max) {
            throw FsException.of(Errno.EINVAL, "%s: mkfs: label \"%s\" is %d bytes, longer than the %d the superblock keeps",
                    fsName, label, bytes.length, max);
        }
        return bytes;
    }

    /** This with UUID {@code u}. */
    public MkfsOptions withUuid(UUID u) {
        return new MkfsOptions(blockSize, features, label, u, extra);
    }
}
