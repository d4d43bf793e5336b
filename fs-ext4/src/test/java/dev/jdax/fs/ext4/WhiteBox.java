package dev.jdax.fs.ext4;

import dev.jdax.api.fs.FileSystem;
import dev.jdax.vfs.Vfs;

/** The ext4 format under a VFS mount, for tests that look at its structures (in-core inodes read afresh). */
final class WhiteBox {
    private WhiteBox() {
    }

    static Ext4FileSystem format(FileSystem fs) {
        return (Ext4FileSystem) Vfs.superBlock(fs);
    }
}
