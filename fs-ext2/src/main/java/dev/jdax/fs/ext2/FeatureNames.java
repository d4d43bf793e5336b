package dev.jdax.fs.ext2;

import java.util.Map;

/** The names e2fsprogs gives the feature bits, so a refusal says which feature it is. */
final class FeatureNames {
    private static final Map<Integer, String> COMPAT = Map.of(0x1, "dir_prealloc", 0x2, "imagic_inodes", 0x4, "has_journal",
            0x8, "ext_attr", 0x10, "resize_inode", 0x20, "dir_index", 0x200, "sparse_super2", 0x400, "fast_commit",
            0x1000, "orphan_file");
    private static final Map<Integer, String> INCOMPAT = Map.ofEntries(Map.entry(0x1, "compression"),
            Map.entry(0x2, "filetype"), Map.entry(0x4, "needs_recovery"), Map.entry(0x8, "journal_dev"),
            Map.entry(0x10, "meta_bg"), Map.entry(0x40, "extent"), Map.entry(0x80, "64bit"), Map.entry(0x100, "mmp"),
            Map.entry(0x200, "flex_bg"), Map.entry(0x400, "ea_inode"), Map.entry(0x1000, "dirdata"),
            Map.entry(0x2000, "metadata_csum_seed"), Map.entry(0x4000, "large_dir"), Map.entry(0x8000, "inline_data"),
            Map.entry(0x10000, "encrypt"), Map.entry(0x20000, "casefold"));
    private static final Map<Integer, String> RO_COMPAT = Map.ofEntries(Map.entry(0x1, "sparse_super"),
            Map.entry(0x2, "large_file"), Map.entry(0x4, "btree_dir"), Map.entry(0x8, "huge_file"),
            Map.entry(0x10, "uninit_bg"), Map.entry(0x20, "dir_nlink"), Map.entry(0x40, "extra_isize"),
            Map.entry(0x100, "quota"), Map.entry(0x200, "bigalloc"), Map.entry(0x400, "metadata_csum"),
            Map.entry(0x1000, "read-only"), Map.entry(0x2000, "project"), Map.entry(0x8000, "verity"),
            Map.entry(0x10000, "orphan_present"));

    private FeatureNames() {
    }

    static String name(String kind, int bit) {
        Map<Integer, String> m = switch (kind) {
            case "compat" -> COMPAT;
            case "incompat" -> INCOMPAT;
            default -> RO_COMPAT;
        };
        return m.getOrDefault(bit, kind + "_0x" + Integer.toHexString(bit));
    }
}
