package dev.jdax.api.fs;

/** One directory entry; {@code .} and {@code ..} are not listed. */
public record DirEntry(String name, long ino, FileType type) {
}
