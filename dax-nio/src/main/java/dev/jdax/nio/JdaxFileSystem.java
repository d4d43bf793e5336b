package dev.jdax.nio;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileType;
import dev.jdax.api.fs.PathName;
import dev.jdax.api.fs.StatInfo;
import dev.jdax.pmem.PmemDevices;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.WatchService;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.spi.FileSystemProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A mounted jdax file system seen through java.nio.file. Closing it unmounts cleanly (what e2fsck
 * then finds clean), writes the image's bad sectors back beside it, and unmaps the device.
 */
public final class JdaxFileSystem extends FileSystem {
    private final JdaxFileSystemProvider provider;
    private final String key;
    private final DaxDevice device;
    private final dev.jdax.api.fs.FileSystem fs;
    private final Path image;
    /** The locks held on its files, per inode, as the JDK's lock table. */
    private final FileLocks locks = new FileLocks();
    private volatile boolean open = true;

    JdaxFileSystem(JdaxFileSystemProvider provider, String key, DaxDevice device, dev.jdax.api.fs.FileSystem fs, Path image) {
        this.provider = provider;
        this.key = key;
        this.device = device;
        this.fs = fs;
        this.image = image;
    }

    /** The locks channels hold on this file system's files. */
    FileLocks locks() {
        return locks;
    }

    /** {@return the mounted file system of the SPI}, for what java.nio.file has no word for (fiemap, counters). */
    public dev.jdax.api.fs.FileSystem mounted() {
        return fs;
    }

    String key() {
        return key;
    }

    String imageUri() {
        return key.startsWith("memory:") ? key : image.toUri().toString();
    }

    void ensureOpen() {
        if (!open) {
            throw new java.nio.file.ClosedFileSystemException();
        }
    }

    @Override
    public FileSystemProvider provider() {
        return provider;
    }

    @Override
    public synchronized void close() throws IOException {
        if (!open) {
            return;
        }
        open = false;
        provider.forget(key);
        try {
            fs.close();
            if (image != null) {
                PmemDevices.saveBadBlocks(device, image);
            }
        } finally {
            device.close();
        }
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public boolean isReadOnly() {
        return fs.readOnly();
    }

    @Override
    public String getSeparator() {
        return "/";
    }

    @Override
    public Iterable<Path> getRootDirectories() {
        return List.of(new JdaxPath(this, "/"));
    }

    @Override
    public Iterable<FileStore> getFileStores() {
        return List.of(new JdaxFileStore(this));
    }

    @Override
    public Set<String> supportedFileAttributeViews() {
        return Set.of("basic", "posix", "unix", "owner", "jdax");
    }

    @Override
    public Path getPath(String first, String... more) {
        StringBuilder sb = new StringBuilder(first);
        for (String m : more) {
            if (!m.isEmpty()) {
                sb.append(sb.isEmpty() ? "" : "/").append(m);
            }
        }
        return new JdaxPath(this, sb.toString());
    }

    @Override
    public PathMatcher getPathMatcher(String syntaxAndPattern) {
        int colon = syntaxAndPattern.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("want glob:PATTERN or regex:PATTERN, got " + syntaxAndPattern);
        }
        String syntax = syntaxAndPattern.substring(0, colon);
        String pattern = syntaxAndPattern.substring(colon + 1);
        Pattern p = switch (syntax.toLowerCase(java.util.Locale.ROOT)) {
            case "glob" -> Pattern.compile(Globs.toRegex(pattern));
            case "regex" -> Pattern.compile(pattern);
            default -> throw new UnsupportedOperationException("path matcher syntax " + syntax + ": want glob or regex");
        };
        return path -> p.matcher(path.toString()).matches();
    }

    @Override
    public UserPrincipalLookupService getUserPrincipalLookupService() {
        return HostPrincipals.INSTANCE;
    }

    @Override
    public WatchService newWatchService() {
        throw new UnsupportedOperationException("jdax file systems have no WatchService (nothing outside the JVM changes them)");
    }

    /** A question of the mounted file system about a path, following a final link when asked. */
    @FunctionalInterface
    private interface PathCall<T> {
        T ask(PathName path, boolean followLast) throws FsException;
    }

    private <T> T ask(JdaxPath p, boolean nofollow, PathCall<T> call) throws IOException {
        ensureOpen();
        try {
            return call.ask(p.pathName(), !nofollow);
        } catch (FsException e) {
            throw NioErrors.of(e, p);
        }
    }

    // Made once: a bound method reference per call would be an object per call.
    private final PathCall<Long> resolveCall = (path, follow) -> mounted().resolve(path, follow);
    private final PathCall<StatInfo> statCall = (path, follow) -> mounted().stat(path, follow);
    private final PathCall<Boolean> existsCall = (path, follow) -> mounted().exists(path, follow);

    /** Resolves a path to its inode, following symbolic links unless {@code nofollow}. */
    long ino(JdaxPath p, boolean nofollow) throws IOException {
        return ask(p, nofollow, resolveCall);
    }

    StatInfo stat(JdaxPath p, boolean nofollow) throws IOException {
        return ask(p, nofollow, statCall);
    }

    /** Whether {@code p} names something (no exception made for "no", as {@code access(F_OK)}). */
    boolean exists(JdaxPath p, boolean nofollow) throws IOException {
        return ask(p, nofollow, existsCall);
    }

    Path realPath(JdaxPath p, boolean nofollow) throws IOException {
        stat(p, nofollow);
        if (nofollow) {
            return p.toAbsolutePath().normalize();
        }
        // Walk component by component, replacing each symlink by its target (as realpath(3)).
        List<String> out = new ArrayList<>();
        List<String> todo = new ArrayList<>(List.of(p.fsPath().substring(1).split("/")));
        int follows = 0;
        while (!todo.isEmpty()) {
            String n = todo.removeFirst();
            if (n.isEmpty() || n.equals(".")) {
                continue;
            }
            if (n.equals("..")) {
                if (!out.isEmpty()) {
                    out.removeLast();
                }
                continue;
            }
            out.add(n);
            String cur = "/" + String.join("/", out);
            try {
                long ino = fs.resolve(cur, false);
                if (fs.stat(ino).type() == FileType.SYMLINK) {
                    if (++follows > dev.jdax.api.fs.FileSystem.MAX_SYMLINK_FOLLOWS) {
                        throw new java.nio.file.FileSystemLoopException(p.toString());
                    }
                    String target = fs.readlink(ino);
                    out.removeLast();
                    if (target.startsWith("/")) {
                        out.clear();
                    }
                    todo.addAll(0, List.of(target.split("/")));
                }
            } catch (FsException e) {
                throw NioErrors.of(e, p);
            }
        }
        return new JdaxPath(this, "/" + String.join("/", out));
    }

    static FsException notAllowed(String what) {
        return FsException.of(Errno.EROFS, "%s on a read-only file system", what);
    }
}
