/**
 * The example as a named module: it needs only the jdax provider; the personalities it mounts
 * (ext4, XFS) are bound at start-up because dev.jdax.nio {@code uses} FileSystemType.
 */
module example {
    requires dev.jdax.nio;

    exports example;
}
