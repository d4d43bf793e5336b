/** The ext2 personality: the real ext2 on-disk format, mapped through get_block and the engine's legacy bridge. */
module dev.jdax.fs.ext2 {
    requires dev.jdax.api;
    requires dev.jdax.iomap;

    provides dev.jdax.api.fs.FileSystemType with dev.jdax.fs.ext2.Ext2FileSystemType;
}
