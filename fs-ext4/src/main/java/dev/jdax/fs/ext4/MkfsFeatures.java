package dev.jdax.fs.ext4;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.MkfsOptions;

import java.util.Map;

/**
 * What jdax's ext4 mkfs makes besides mke2fs.conf's defaults, from mke2fs's {@code -O} and
 * {@code -E}: casefold, with the one encoding Linux 6.1 has tables for ({@code encoding=utf8} or
 * {@code utf8-12.1}, which alone turns casefold on, as mke2fs's does) and {@code encoding_flags=strict};
 * orphan_file, of mke2fs's default size ({@link OrphanFile#defaultBlocks}).
 * Anything else is refused by name rather than ignored.
 */
record MkfsFeatures(boolean casefold, boolean strict, boolean orphanFile) {
    /** The features {@code jdax mkfs -t ext4 -O} accepts. */
    static final String MADE = "casefold and orphan_file";
    /** The orphan file's inode: the first after lost+found, as mke2fs's ext2fs_new_inode finds it. */
    static final long ORPHAN_FILE_INO = 12;
    static final String ENCODING = "encoding";
    static final String ENCODING_FLAGS = "encoding_flags";

    static MkfsFeatures of(MkfsOptions options) throws FsException {
        boolean casefold = false;
        boolean orphanFile = false;
        for (String f : options.features()) {
            switch (f) {
                case "casefold" -> casefold = true;
                case "^casefold" -> casefold = false;
                case "orphan_file" -> orphanFile = true;
                case "^orphan_file" -> orphanFile = false;
                default -> throw FsException.of(Errno.EINVAL,
                        "ext4: mkfs feature \"%s\": jdax makes mke2fs.conf's default ext4, with %s if asked", f, MADE);
            }
        }
        Map<String, String> extra = options.extra();
        for (String key : extra.keySet()) {
            if (!key.equals(ENCODING) && !key.equals(ENCODING_FLAGS) && !key.equals(Ext4Mkfs.ZEROED)) {
                throw FsException.of(Errno.EINVAL, "ext4: mkfs extended option \"%s\": jdax knows %s and %s", key, ENCODING, ENCODING_FLAGS);
            }
        }
        String encoding = extra.get(ENCODING);
        if (encoding != null) {
            if (!encoding.equals("utf8") && !encoding.equals("utf8-12.1")) {
                throw FsException.of(Errno.EINVAL, "ext4: mkfs: Invalid encoding: %s (Linux 6.1 knows utf8-12.1)", encoding);
            }
            casefold = true; // e2p_str2encoding, then mke2fs sets the casefold feature
        }
        String flags = extra.get(ENCODING_FLAGS);
        if (flags != null && !flags.equals("strict") && !flags.equals("nostrict")) {
            throw FsException.of(Errno.EINVAL, "ext4: mkfs: Invalid encoding_flags: %s (strict or nostrict)", flags);
        }
        if (flags != null && !casefold) {
            throw FsException.of(Errno.EINVAL, "ext4: mkfs: encoding_flags=%s needs the casefold feature", flags);
        }
        return new MkfsFeatures(casefold, "strict".equals(flags), orphanFile);
    }

    /**
     * s_feature_incompat's casefold bit, s_encoding (EXT4_ENC_UTF8_12_1) and s_encoding_flags; the
     * orphan_file bit and s_orphan_file_inum: as mke2fs writes them.
     */
    void apply(Ext4Superblock sb) {
        if (orphanFile) {
            sb.b.putInt(0x5C, sb.s_feature_compat() | Ext4Superblock.COMPAT_ORPHAN_FILE);
            sb.b.putInt(0x280, (int) ORPHAN_FILE_INO);
        }
        if (!casefold) {
            return;
        }
        sb.b.putInt(0x60, sb.s_feature_incompat() | Ext4Superblock.INCOMPAT_CASEFOLD);
        sb.b.putShort(0x27C, (short) Casefold.ENC_UTF8_12_1);
        sb.b.putShort(0x27E, (short) (strict ? Casefold.STRICT_MODE_FL : 0));
    }
}
