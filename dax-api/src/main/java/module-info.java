/**
 * The contract of jdax: value types and interfaces, and the lock classes every layer takes (so that
 * one checker sees the whole lock order). {@code dev.jdax.api} holds the device
 * ({@link dev.jdax.api.DaxDevice}), errors and the iomap interface; {@code dev.jdax.api.fs} the
 * file-system SPI that personalities implement and the CLI and NIO provider use.
 */
module dev.jdax.api {
    exports dev.jdax.api;
    exports dev.jdax.api.fs;
    exports dev.jdax.api.lock;

    uses dev.jdax.api.fs.FileSystemType;
}
