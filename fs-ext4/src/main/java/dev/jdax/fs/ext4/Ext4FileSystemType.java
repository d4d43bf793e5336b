package dev.jdax.fs.ext4;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.SuperBlock;
import dev.jdax.api.fs.FileSystemType;
import dev.jdax.api.fs.MkfsOptions;
import dev.jdax.api.fs.MountOptions;

import java.util.Optional;

/** The ext4 personality, found with ServiceLoader. */
public final class Ext4FileSystemType implements FileSystemType {
    /** The personality; ServiceLoader makes it, users look it up as {@code FileSystemTypes.byName("ext4")}. */
    public Ext4FileSystemType() {
    }

    @Override
    public String name() {
        return "ext4";
    }

    /** 128 KiB: mke2fs's smallest ext4 (1 KiB blocks, no journal); mkfs wants 64 blocks of any size. */
    @Override
    public long minimumSize() {
        return 128L << 10;
    }

    @Override
    public Optional<String> probe(DaxDevice device) throws FsException {
        if (device.size() < 4096) {
            return Optional.empty();
        }
        Ext4Superblock sb = Ext4FileSystem.readSuperblock(device);
        // What fs-ext2 leaves: a journal (ext3) or any incompat feature beyond filetype.
        boolean ext2 = (sb.s_feature_compat() & Ext4Superblock.COMPAT_HAS_JOURNAL) == 0
                && (sb.s_feature_incompat() & ~Ext4Superblock.INCOMPAT_FILETYPE) == 0;
        if (sb.s_magic() != Ext4Superblock.MAGIC || ext2) {
            return Optional.empty();
        }
        boolean ext3 = (sb.s_feature_incompat() & Ext4Superblock.INCOMPAT_EXTENTS) == 0;
        String journal;
        try {
            journal = Ext4Mounting.journalState(device, sb);
        } catch (FsException e) {
            journal = "journal unreadable: " + e.getMessage();
        }
        return Optional.of(String.format("%s, %d-byte blocks, %d blocks (%d free), %d inodes (%d free)%s, %s, %s",
                ext3 ? "ext3 (served by ext4)" : "ext4", sb.blockSize(), sb.s_blocks_count(), sb.s_free_blocks_count(),
                sb.s_inodes_count(), sb.s_free_inodes_count(),
                sb.hasCsum() ? ", metadata_csum" : "", journal, sb.identity()));
    }

    @Override
    public void checkMkfs(MkfsOptions options) throws FsException {
        Ext4Mkfs.check(options);
    }

    @Override
    public void mkfs(DaxDevice device, MkfsOptions options) throws FsException {
        new Ext4Mkfs(device, options).run();
    }

    @Override
    public SuperBlock mount(DaxDevice device, MountOptions options) throws FsException {
        return Ext4FileSystem.mount(this, device, options);
    }
}
