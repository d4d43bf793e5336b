package dev.jdax.api;

import java.io.IOException;
import java.util.Objects;

/**
 * The one checked error of jdax: an errno and a message that names the path or on-disk structure
 * and the offending value ({@code "ext4: inode 12: extent header magic 0x0 (want 0xf30a)"}).
 */
public class FsException extends IOException {
    /** The error number. */
    private final Errno errno;

    /** An error with {@code errno} and a message naming the path or structure and value. */
    public FsException(Errno errno, String message) {
        super(message);
        this.errno = Objects.requireNonNull(errno, "errno");
    }

    /** An error with {@code errno}, a message and the exception that caused it. */
    public FsException(Errno errno, String message, Throwable cause) {
        super(message, cause);
        this.errno = Objects.requireNonNull(errno, "errno");
    }

    /** Shorthand for {@code new FsException(errno, String.format(format, args))}. */
    public static FsException of(Errno errno, String format, Object... args) {
        return new FsException(errno, String.format(format, args));
    }

    /** The error number (what a system call would return negated). */
    public Errno errno() {
        return errno;
    }

    /** The message followed by the errno name, as the CLI prints it: {@code "... (ENOSPC)"}. */
    public String describe() {
        return getMessage() + " (" + errno.name() + ")";
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + ": " + describe();
    }
}
