package dev.jdax.fs.ext2;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.SuperBlock;
import dev.jdax.api.fs.FileSystemType;
import dev.jdax.api.fs.MkfsOptions;
import dev.jdax.api.fs.MountOptions;

import java.util.Optional;

/** The ext2 personality, found with ServiceLoader. */
public final class Ext2FileSystemType implements FileSystemType {
    /** The personality; ServiceLoader makes it, users look it up as {@code FileSystemTypes.byName("ext2")}. */
    public Ext2FileSystemType() {
    }

    @Override
    public String name() {
        return "ext2";
    }

    @Override
    public long minimumSize() {
        return 1L << 20;
    }

    @Override
    public Optional<String> probe(DaxDevice device) throws FsException {
        if (device.size() < Ext2Superblock.OFFSET + Ext2Superblock.SIZE) {
            return Optional.empty();
        }
        Ext2Superblock sb = Ext2FileSystem.readSuperblock(device);
        if (sb.s_magic() != Ext2Superblock.EXT2_MAGIC || (sb.s_feature_compat() & 0x4) != 0
                || (sb.s_feature_incompat() & ~Ext2Superblock.INCOMPAT_KNOWN) != 0) {
            return Optional.empty();
        }
        // s_state as ext2_setup_super reads it: EXT2_VALID_FS (1) is set only by a clean unmount.
        String state = (sb.s_state() & 2) != 0 ? "errors recorded (e2fsck -f recommended)"
                : (sb.s_state() & 1) != 0 ? "cleanly unmounted"
                : "not cleanly unmounted: mounted now, or left by a crash (e2fsck -f recommended)";
        return Optional.of(String.format("ext2, %d-byte blocks, %d blocks (%d free), %d inodes (%d free), %s, %s",
                sb.blockSize(), sb.s_blocks_count(), sb.s_free_blocks_count(), sb.s_inodes_count(), sb.s_free_inodes_count(),
                state, sb.identity()));
    }

    @Override
    public void checkMkfs(MkfsOptions options) throws FsException {
        Ext2Mkfs.check(options);
    }

    @Override
    public void mkfs(DaxDevice device, MkfsOptions options) throws FsException {
        new Ext2Mkfs(device, options).run();
    }

    @Override
    public SuperBlock mount(DaxDevice device, MountOptions options) throws FsException {
        return Ext2FileSystem.mount(this, device, options);
    }
}
