package dev.jdax.nio;

import dev.jdax.api.fs.OpenFlags;

import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.StandardOpenOption;
import java.util.Set;

/**
 * The options of {@code newByteChannel}/{@code newFileChannel} as the JDK's Linux provider reads
 * them ({@code sun.nio.fs.UnixChannelFactory}): READ with APPEND, and APPEND with TRUNCATE_EXISTING,
 * are IllegalArgumentExceptions; CREATE, CREATE_NEW and TRUNCATE_EXISTING count only for writing;
 * SPARSE, SYNC and DSYNC are hints or flags; an option no provider knows is
 * UnsupportedOperationException.
 */
record OpenOptions(boolean read, boolean write, boolean append, boolean truncate, boolean create, boolean createNew,
                   boolean deleteOnClose, boolean noFollow, boolean sync, boolean dsync) {

    static OpenOptions of(Set<? extends OpenOption> options) {
        boolean read = false;
        boolean write = false;
        boolean append = false;
        boolean truncate = false;
        boolean create = false;
        boolean createNew = false;
        boolean deleteOnClose = false;
        boolean noFollow = false;
        boolean sync = false;
        boolean dsync = false;
        for (OpenOption o : options) {
            if (o == StandardOpenOption.READ) {
                read = true;
            } else if (o == StandardOpenOption.WRITE) {
                write = true;
            } else if (o == StandardOpenOption.APPEND) {
                append = true;
                write = true;
            } else if (o == StandardOpenOption.TRUNCATE_EXISTING) {
                truncate = true;
            } else if (o == StandardOpenOption.CREATE) {
                create = true;
            } else if (o == StandardOpenOption.CREATE_NEW) {
                createNew = true;
            } else if (o == StandardOpenOption.DELETE_ON_CLOSE) {
                deleteOnClose = true;
            } else if (o == LinkOption.NOFOLLOW_LINKS) {
                noFollow = true;
            } else if (o == StandardOpenOption.SYNC) {
                sync = true;
            } else if (o == StandardOpenOption.DSYNC) {
                dsync = true;
            } else if (o != StandardOpenOption.SPARSE) {
                throw o == null ? new NullPointerException() : new UnsupportedOperationException(o + " not supported");
            }
        }
        if (read && append) {
            throw new IllegalArgumentException("READ + APPEND not allowed");
        }
        if (append && truncate) {
            throw new IllegalArgumentException("APPEND + TRUNCATE_EXISTING not allowed");
        }
        if (!read && !write) {
            read = true;
        }
        return new OpenOptions(read, write, append, truncate && write, create && write, createNew && write,
                deleteOnClose, noFollow, sync, dsync);
    }

    /** The open(2) flags, O_CREAT, O_EXCL and O_NOFOLLOW included. */
    int flags() {
        int flags = read && write ? OpenFlags.O_RDWR : write ? OpenFlags.O_WRONLY : OpenFlags.O_RDONLY;
        if (append) {
            flags |= OpenFlags.O_APPEND;
        }
        if (truncate) {
            flags |= OpenFlags.O_TRUNC;
        }
        if (dsync) {
            flags |= OpenFlags.O_DSYNC;
        }
        if (sync) {
            flags |= OpenFlags.O_SYNC;
        }
        if (createNew) {
            flags |= OpenFlags.O_CREAT | OpenFlags.O_EXCL;
        } else if (create) {
            flags |= OpenFlags.O_CREAT;
        }
        if (noFollow) {
            flags |= OpenFlags.O_NOFOLLOW;
        }
        return flags;
    }
}
