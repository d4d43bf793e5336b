package dev.jdax.api.fs;

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

    /** This with UUID {@code u}. */
    public MkfsOptions withUuid(UUID u) {
        return new MkfsOptions(blockSize, features, label, u, extra);
    }
}
