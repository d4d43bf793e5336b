package dev.jdax.nio;

import dev.jdax.api.fs.DirEntry;

import java.io.IOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * A directory's entries as the JDK's {@code UnixDirectoryStream} hands them out: each path made
 * and filtered only when the iteration reaches it (a directory of 100,000 names is not 100,000
 * paths held at once), a filter's {@code IOException} thrown by the iterator as a
 * {@link DirectoryIteratorException}, one iterator per stream, and none once the stream is closed:
 * after {@link #close} the iteration is at its end.
 */
final class JdaxDirectoryStream implements DirectoryStream<Path> {
    private final JdaxPath dir;
    private final List<DirEntry> entries;
    private final Filter<? super Path> filter;
    private volatile boolean closed;
    private boolean iterated;

    /** The stream of {@code entries}, read from {@code dir} as it was opened ({@code .} and {@code ..} among them or not). */
    JdaxDirectoryStream(JdaxPath dir, List<DirEntry> entries, Filter<? super Path> filter) {
        this.dir = dir;
        this.entries = entries;
        this.filter = filter;
    }

    @Override
    public synchronized Iterator<Path> iterator() {
        if (closed) {
            throw new IllegalStateException("Directory stream is closed");
        }
        if (iterated) {
            throw new IllegalStateException("Iterator already obtained");
        }
        iterated = true;
        return new Entries();
    }

    @Override
    public void close() {
        closed = true;
    }

    private final class Entries implements Iterator<Path> {
        private int next;
        private Path ahead;

        @Override
        public boolean hasNext() {
            if (ahead != null) {
                return true;
            }
            while (!closed && next < entries.size()) {
                String name = entries.get(next++).name();
                if (name.equals(".") || name.equals("..")) {
                    continue;
                }
                Path child = dir.resolve(name);
                try {
                    if (filter == null || filter.accept(child)) {
                        ahead = child;
                        return true;
                    }
                } catch (IOException e) {
                    throw new DirectoryIteratorException(e);
                }
            }
            return false;
        }

        @Override
        public Path next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            Path p = ahead;
            ahead = null;
            return p;
        }
    }
}
