package dev.jdax.nio;

import dev.jdax.api.FsException;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.NotLinkException;
import java.nio.file.ReadOnlyFileSystemException;

/** The JDK's own exceptions for jdax's errnos, as the default file system throws them. */
final class NioErrors {
    private NioErrors() {
    }

    static IOException of(FsException e, Object path) {
        return of(e, path, null);
    }

    static IOException of(FsException e, Object path, Object other) {
        String file = String.valueOf(path);
        String o = other == null ? null : String.valueOf(other);
        return switch (e.errno()) {
            case ENOENT -> new NoSuchFileException(file, o, null);
            case EEXIST -> new FileAlreadyExistsException(file, o, null);
            case ENOTEMPTY -> new DirectoryNotEmptyException(file);
            case ENOTDIR -> new NotDirectoryException(file);
            case EACCES -> new AccessDeniedException(file, o, e.errno().message());
            // As sun.nio.fs.UnixException: EPERM (a hard link to a directory ...) is no AccessDeniedException.
            case EPERM -> (IOException) new FileSystemException(file, o, e.errno().message()).initCause(e);
            case EISDIR -> (IOException) new FileSystemException(file, o, "Is a directory").initCause(e);
            case ELOOP -> new FileSystemLoopException(file);
            case EROFS -> (IOException) new FileSystemException(file, o, "Read-only file system").initCause(e);
            default -> (IOException) new FileSystemException(file, o, e.errno().message() + " (" + e.errno().name() + ")").initCause(e);
        };
    }

    static ReadOnlyFileSystemException readOnly() {
        return new ReadOnlyFileSystemException();
    }

    static NotLinkException notLink(Object path) {
        return new NotLinkException(String.valueOf(path));
    }
}
