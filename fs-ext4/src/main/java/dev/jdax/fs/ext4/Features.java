package dev.jdax.fs.ext4;

import java.util.ArrayList;
import java.util.List;

/**
 * Every feature bit of the superblock, with its mke2fs name, whether Linux 6.1's ext4 driver knows it
 * ({@code EXT4_FEATURE_INCOMPAT_SUPP}, {@code EXT4_FEATURE_RO_COMPAT_SUPP}) and what jdax does with an
 * image that has it: serve it, mount it read-only (a ro_compat feature whose structures jdax cannot
 * keep true when it writes: reading stays right), or refuse it (an incompat feature it cannot read).
 */
final class Features {
    enum Kind { COMPAT, INCOMPAT, RO_COMPAT }

    enum Jdax { SERVED, READ_ONLY, REFUSED }

    /** One feature: {@code linux} is whether Linux 6.1 mounts a file system with it. */
    record Feature(Kind kind, int bit, String name, boolean linux, Jdax jdax, String why) {
        String describe() {
            return String.format("%s (%s 0x%x)", name, kind.name().toLowerCase(), bit);
        }
    }

    private static final List<Feature> ALL = List.of(
            f(Kind.INCOMPAT, 0x1, "compression", false, Jdax.REFUSED, ""),
            f(Kind.INCOMPAT, 0x2, "filetype", true, Jdax.SERVED, ""),
            f(Kind.INCOMPAT, 0x4, "needs_recovery", true, Jdax.SERVED, ""),
            f(Kind.INCOMPAT, 0x8, "journal_dev", false, Jdax.REFUSED, ""),
            f(Kind.INCOMPAT, 0x10, "meta_bg", true, Jdax.SERVED, ""),
            f(Kind.INCOMPAT, 0x40, "extent", true, Jdax.SERVED, ""),
            f(Kind.INCOMPAT, 0x80, "64bit", true, Jdax.SERVED, ""),
            f(Kind.INCOMPAT, 0x100, "mmp", true, Jdax.SERVED, ""),
            f(Kind.INCOMPAT, 0x200, "flex_bg", true, Jdax.SERVED, ""),
            f(Kind.INCOMPAT, 0x400, "ea_inode", true, Jdax.SERVED, ""),
            f(Kind.INCOMPAT, 0x1000, "dirdata", false, Jdax.REFUSED, ""),
            f(Kind.INCOMPAT, 0x2000, "metadata_csum_seed", true, Jdax.SERVED, ""),
            f(Kind.INCOMPAT, 0x4000, "large_dir", true, Jdax.SERVED, ""),
            f(Kind.INCOMPAT, 0x8000, "inline_data", true, Jdax.SERVED, ""),
            f(Kind.INCOMPAT, 0x10000, "encrypt", true, Jdax.SERVED, ""),
            f(Kind.INCOMPAT, 0x20000, "casefold", true, Jdax.SERVED, ""),
            f(Kind.RO_COMPAT, 0x1, "sparse_super", true, Jdax.SERVED, ""),
            f(Kind.RO_COMPAT, 0x2, "large_file", true, Jdax.SERVED, ""),
            f(Kind.RO_COMPAT, 0x4, "btree_dir", true, Jdax.SERVED, ""),
            f(Kind.RO_COMPAT, 0x8, "huge_file", true, Jdax.SERVED, ""),
            f(Kind.RO_COMPAT, 0x10, "uninit_bg", true, Jdax.SERVED, ""),
            f(Kind.RO_COMPAT, 0x20, "dir_nlink", true, Jdax.SERVED, ""),
            f(Kind.RO_COMPAT, 0x40, "extra_isize", true, Jdax.SERVED, ""),
            f(Kind.RO_COMPAT, 0x80, "snapshot", false, Jdax.REFUSED, ""),
            f(Kind.RO_COMPAT, 0x100, "quota", true, Jdax.SERVED, ""),
            f(Kind.RO_COMPAT, 0x200, "bigalloc", true, Jdax.SERVED, ""),
            f(Kind.RO_COMPAT, 0x400, "metadata_csum", true, Jdax.SERVED, ""),
            f(Kind.RO_COMPAT, 0x800, "replica", false, Jdax.REFUSED, ""),
            f(Kind.RO_COMPAT, 0x1000, "read-only", true, Jdax.READ_ONLY, "filesystem is read-only"),
            f(Kind.RO_COMPAT, 0x2000, "project", true, Jdax.SERVED, ""),
            f(Kind.RO_COMPAT, 0x4000, "shared_blocks", false, Jdax.REFUSED, ""),
            f(Kind.RO_COMPAT, 0x8000, "verity", true, Jdax.SERVED, ""),
            f(Kind.RO_COMPAT, 0x10000, "orphan_present", true, Jdax.SERVED, ""));

    private Features() {
    }

    private static Feature f(Kind kind, int bit, String name, boolean linux, Jdax jdax, String why) {
        return new Feature(kind, bit, name, linux, jdax, why);
    }

    /** The features set in {@code bits} of that kind; bits no table row names come back as unknown to all. */
    static List<Feature> of(Kind kind, int bits) {
        List<Feature> out = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            int bit = 1 << i;
            if ((bits & bit) == 0) {
                continue;
            }
            Feature known = null;
            for (Feature f : ALL) {
                if (f.kind == kind && f.bit == bit) {
                    known = f;
                }
            }
            out.add(known != null ? known
                    : new Feature(kind, bit, kind.name().toLowerCase() + "_0x" + Integer.toHexString(bit), kind == Kind.COMPAT,
                            kind == Kind.COMPAT ? Jdax.SERVED : Jdax.REFUSED, ""));
        }
        return out;
    }

    /** The bits of {@code list} Linux does not know, as the hex mask its refusal prints. */
    static int unknownToLinux(List<Feature> list) {
        int mask = 0;
        for (Feature f : list) {
            mask |= f.linux ? 0 : f.bit;
        }
        return mask;
    }

    static String names(List<Feature> list) {
        return String.join(", ", list.stream().map(Feature::describe).toList());
    }
}
