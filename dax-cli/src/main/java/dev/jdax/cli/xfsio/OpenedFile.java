package dev.jdax.cli.xfsio;

import dev.jdax.api.FsException;
import dev.jdax.api.fs.OpenFile;

/**
 * An entry of xfs_io's file table: the name it was opened by, the handle, the open flags, and the
 * descriptor's file position. Most commands use pread and pwrite, which leave the position alone;
 * sendfile writes at it and moves it on, and every lseek that answers (seek's SEEK_DATA and
 * SEEK_HOLE) moves it to its answer.
 */
final class OpenedFile {
    private final String name;
    private OpenFile handle;
    private final int flags;
    private long position;

    OpenedFile(String name, OpenFile handle, int flags) {
        this.name = name;
        this.handle = handle;
        this.flags = flags;
    }

    String name() {
        return name;
    }

    OpenFile handle() {
        return handle;
    }

    /**
     * Closes the descriptor but keeps the entry, as copy_range -f N's {@code close(fd)} does: the
     * entry's later calls meet EBADF. Closing it again changes nothing (copy_range ignores close's EBADF).
     */
    void closeDescriptor() throws FsException {
        if (!descriptorOpen()) {
            return;
        }
        OpenFile open = handle;
        handle = new ClosedDescriptor(open.ino(), open.flags());
        open.close();
    }

    /** Whether the descriptor is still open (not closed behind the table by copy_range -f). */
    boolean descriptorOpen() {
        return !(handle instanceof ClosedDescriptor);
    }

    int flags() {
        return flags;
    }

    long position() {
        return position;
    }

    void setPosition(long position) {
        this.position = position;
    }
}
