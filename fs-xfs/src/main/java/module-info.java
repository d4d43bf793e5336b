/**
 * The XFS personality: XFS v5 on its real on-disk format, with a native iomap that reports holes
 * in full.
 */
module dev.jdax.fs.xfs {
    requires dev.jdax.api;
    requires dev.jdax.iomap;
    requires com.carrotsearch.hppc;

    provides dev.jdax.api.fs.FileSystemType with dev.jdax.fs.xfs.XfsFileSystemType;
}
