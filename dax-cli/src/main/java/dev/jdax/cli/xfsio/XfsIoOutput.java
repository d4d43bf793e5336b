package dev.jdax.cli.xfsio;

/**
 * Where an xfs_io process prints: standard output and standard error, in the order printed (the
 * reference outputs hold both streams together in terminal order).
 */
public interface XfsIoOutput {
    void out(String line);

    void err(String line);
}
