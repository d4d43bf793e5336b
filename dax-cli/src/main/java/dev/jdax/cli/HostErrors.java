package dev.jdax.cli;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/** The errno of a host file error, so host and image failures print alike. */
final class HostErrors {
    private HostErrors() {
    }

    /** {@code e} itself when it is already an {@link FsException} (an image error inside a host operation). */
    static FsException of(IOException e, Object path) {
        if (e instanceof FsException fe) {
            return fe;
        }
        Errno errno = switch (e) {
            case NoSuchFileException x -> Errno.ENOENT;
            case AccessDeniedException x -> Errno.EACCES;
            case FileAlreadyExistsException x -> Errno.EEXIST;
            case NotDirectoryException x -> Errno.ENOTDIR;
            default -> Errno.EIO;
        };
        // strerror's words in the case of jdax's own messages, so a host path fails as an image path does.
        String m = errno.message();
        return FsException.of(errno, "%s: %s", path, errno == Errno.EIO ? e.getMessage()
                : Character.toLowerCase(m.charAt(0)) + m.substring(1));
    }
}
