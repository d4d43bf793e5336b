/** The ext4 personality: extents, unwritten extents and crc32c metadata checksums, with a native IomapOps. */
module dev.jdax.fs.ext4 {
    requires dev.jdax.api;
    requires dev.jdax.iomap;
    requires com.ibm.icu;

    provides dev.jdax.api.fs.FileSystemType with dev.jdax.fs.ext4.Ext4FileSystemType;
}
