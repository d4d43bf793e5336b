package dev.jdax.nio;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.CopyOption;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;

/**
 * {@code Files.copy} within one jdax file system, with the JDK's Linux semantics
 * ({@code sun.nio.fs.UnixCopyFile}): a copy onto the same file does nothing; REPLACE_EXISTING
 * deletes the target first (a non-empty directory stays and is DirectoryNotEmptyException);
 * NOFOLLOW_LINKS copies a symbolic link as a link; COPY_ATTRIBUTES carries the times and the
 * permissions; a directory is copied as an empty directory; ATOMIC_MOVE is not a copy option.
 */
final class Copier {
    private final JdaxFileSystemProvider provider;

    Copier(JdaxFileSystemProvider provider) {
        this.provider = provider;
    }

    void copy(JdaxPath source, JdaxPath target, CopyOption... options) throws IOException {
        boolean replace = false;
        boolean attributes = false;
        boolean follow = true;
        for (CopyOption o : options) {
            if (o == StandardCopyOption.REPLACE_EXISTING) {
                replace = true;
            } else if (o == StandardCopyOption.COPY_ATTRIBUTES) {
                attributes = true;
            } else if (o == LinkOption.NOFOLLOW_LINKS) {
                follow = false;
            } else {
                throw o == null ? new NullPointerException() : new UnsupportedOperationException("Unsupported copy option: " + o);
            }
        }
        LinkOption[] how = follow ? new LinkOption[0] : new LinkOption[] {LinkOption.NOFOLLOW_LINKS};
        PosixFileAttributes from = provider.readAttributes(source, PosixFileAttributes.class, how);
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            if (provider.isSameFile(source, target)) {
                return;
            }
            if (!replace) {
                throw new FileAlreadyExistsException(target.toString());
            }
            provider.delete(target);
        }
        if (from.isSymbolicLink()) {
            provider.createSymbolicLink(target, provider.readSymbolicLink(source));
            return;
        }
        if (from.isDirectory()) {
            provider.createDirectory(target);
        } else {
            copyBytes(source, target);
        }
        if (attributes) {
            PosixFileAttributeView to = provider.getFileAttributeView(target, PosixFileAttributeView.class);
            to.setPermissions(from.permissions());
            to.setTimes(from.lastModifiedTime(), from.lastAccessTime(), null);
        }
    }

    private void copyBytes(JdaxPath source, JdaxPath target) throws IOException {
        try (FileChannel in = provider.newFileChannel(source, java.util.Set.of(StandardOpenOption.READ));
             FileChannel out = provider.newFileChannel(target, java.util.Set.of(StandardOpenOption.WRITE,
                     StandardOpenOption.CREATE_NEW))) {
            long size = in.size();
            long done = 0;
            while (done < size) {
                done += in.transferTo(done, size - done, out);
            }
        }
    }
}
