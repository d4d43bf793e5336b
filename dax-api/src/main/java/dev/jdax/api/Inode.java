package dev.jdax.api;

/**
 * The part of a personality's in-core inode that the generic engine may read: Linux's
 * {@code struct inode} as {@code fs/dax.c} and {@code fs/iomap} see it. Personalities implement
 * it on their own inode class and get that object back in {@link IomapOps#begin}.
 */
public interface Inode {
    /** The inode number. */
    long ino();

    /** {@code i_size}: the file size in bytes. */
    long size();
}
