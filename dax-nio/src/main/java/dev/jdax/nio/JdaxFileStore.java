package dev.jdax.nio;

import dev.jdax.api.FsException;
import dev.jdax.api.fs.StatFs;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.FileStoreAttributeView;
import java.nio.file.attribute.PosixFileAttributeView;

/** The one store of a jdax file system: statfs's numbers, the personality's name as its type. */
final class JdaxFileStore extends FileStore {
    private final JdaxFileSystem fs;

    JdaxFileStore(JdaxFileSystem fs) {
        this.fs = fs;
    }

    private StatFs statfs() throws IOException {
        try {
            return fs.mounted().statfs();
        } catch (FsException e) {
            throw NioErrors.of(e, name());
        }
    }

    @Override
    public String name() {
        return fs.mounted().device().name();
    }

    @Override
    public String type() {
        return fs.mounted().type().name();
    }

    @Override
    public boolean isReadOnly() {
        return fs.isReadOnly();
    }

    @Override
    public long getTotalSpace() throws IOException {
        StatFs s = statfs();
        return s.blocks() * s.bsize();
    }

    @Override
    public long getUsableSpace() throws IOException {
        StatFs s = statfs();
        return s.bavail() * s.bsize();
    }

    @Override
    public long getUnallocatedSpace() throws IOException {
        StatFs s = statfs();
        return s.bfree() * s.bsize();
    }

    /** {@code f_bsize} of statfs, as the JDK's Linux store answers. */
    @Override
    public long getBlockSize() throws IOException {
        return statfs().bsize();
    }

    @Override
    public boolean supportsFileAttributeView(Class<? extends FileAttributeView> type) {
        return type == BasicFileAttributeView.class || type == PosixFileAttributeView.class
                || type == java.nio.file.attribute.FileOwnerAttributeView.class;
    }

    @Override
    public boolean supportsFileAttributeView(String name) {
        return fs.supportedFileAttributeViews().contains(name);
    }

    @Override
    public <V extends FileStoreAttributeView> V getFileStoreAttributeView(Class<V> type) {
        return null;
    }

    @Override
    public Object getAttribute(String attribute) throws IOException {
        return switch (attribute) {
            case "totalSpace" -> getTotalSpace();
            case "usableSpace" -> getUsableSpace();
            case "unallocatedSpace" -> getUnallocatedSpace();
            default -> throw new UnsupportedOperationException("'" + attribute + "' not recognized");
        };
    }
}
