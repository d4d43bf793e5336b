/**
 * jdax as a {@code java.nio.file} file system (scheme {@code jdax}): an image, a pmem device or
 * memory, mounted with whichever personality recognises it (found with ServiceLoader).
 */
module dev.jdax.nio {
    requires transitive dev.jdax.api;
    requires dev.jdax.vfs;
    requires dev.jdax.pmem;

    uses dev.jdax.api.fs.FileSystemType;

    exports dev.jdax.nio;

    provides java.nio.file.spi.FileSystemProvider with dev.jdax.nio.JdaxFileSystemProvider;
}
