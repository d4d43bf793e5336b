package dev.jdax.nio;

import dev.jdax.vfs.Vfs;
import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileSystemType;
import dev.jdax.api.fs.FileSystemTypes;
import dev.jdax.api.fs.FileType;
import dev.jdax.api.fs.MkfsOptions;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.api.fs.PathWalk;
import dev.jdax.api.fs.SetAttr;
import dev.jdax.api.fs.StatInfo;
import dev.jdax.pmem.PmemDevices;

import java.io.IOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessMode;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.spi.FileSystemProvider;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@code jdax} scheme: {@code FileSystems.newFileSystem(Path.of("disk.img"), env)} or
 * {@code newFileSystem(URI.create("jdax:" + image.toUri()), env)} mounts an image, a {@code /dev/dax}
 * node or (env {@code memory=SIZE}) memory, with {@code populate=true} every page of it allocated
 * at once (see {@link PmemDevices#populatedMemory}). env: {@code type} (detected when absent), {@code options}
 * (mount options), {@code create=true} with {@code type} and {@code size} (mkfs first),
 * {@code readOnly=true}. Paths in URIs: {@code jdax:file:///disk.img!/dir/file}.
 */
public final class JdaxFileSystemProvider extends FileSystemProvider {
    private static final AtomicLong MEMORY_IDS = new AtomicLong();
    private final Map<String, JdaxFileSystem> mounted = new ConcurrentHashMap<>();

    /** The provider; the JDK makes it (ServiceLoader), users go through {@link java.nio.file.FileSystems}. */
    public JdaxFileSystemProvider() {
    }

    @Override
    public String getScheme() {
        return "jdax";
    }

    void forget(String key) {
        mounted.remove(key);
    }

    private static String keyOf(URI uri) {
        String ssp = uri.getSchemeSpecificPart();
        int bang = ssp.indexOf('!');
        String image = bang < 0 ? ssp : ssp.substring(0, bang);
        return image.startsWith("memory:") ? image : Path.of(URI.create(image)).toAbsolutePath().normalize().toString();
    }

    @Override
    public FileSystem newFileSystem(URI uri, Map<String, ?> env) throws IOException {
        String key = keyOf(uri);
        Path image = key.startsWith("memory:") ? null : Path.of(key);
        return mount(key, image, env);
    }

    @Override
    public FileSystem newFileSystem(Path path, Map<String, ?> env) throws IOException {
        Path image = path.toAbsolutePath().normalize();
        return mount(image.toString(), image, env);
    }

    private FileSystem mount(String key, Path image, Map<String, ?> env) throws IOException {
        String memory = string(env, "memory");
        if (memory != null) {
            // jdax:memory:NAME names the in-memory file system; from a Path it gets a fresh name.
            key = key.startsWith("memory:") ? key : "memory:" + MEMORY_IDS.incrementAndGet();
            image = null;
        }
        if (mounted.containsKey(key)) {
            throw new FileSystemAlreadyExistsException(key);
        }
        DaxDevice device = null;
        try {
            boolean create = "true".equalsIgnoreCase(string(env, "create")) || memory != null;
            String typeName = string(env, "type");
            if (memory != null) {
                long bytes = size(memory);
                device = "true".equalsIgnoreCase(string(env, "populate")) ? PmemDevices.populatedMemory(bytes) : PmemDevices.memory(bytes);
            } else if (create && !java.nio.file.Files.exists(image)) {
                String size = string(env, "size");
                if (size == null) {
                    throw FsException.of(Errno.EINVAL, "%s: create=true needs size= for a new image", image);
                }
                device = PmemDevices.create(image, size(size));
            } else {
                device = PmemDevices.open(image);
            }
            FileSystemType type;
            if (create) {
                if (typeName == null) {
                    throw FsException.of(Errno.EINVAL, "%s: create=true needs type= (one of %s)", key, types());
                }
                type = FileSystemTypes.byName(typeName);
                type.mkfs(device, MkfsOptions.defaults());
            } else if (typeName != null) {
                type = FileSystemTypes.byName(typeName);
            } else {
                DaxDevice d = device;
                type = FileSystemTypes.detect(device).orElseThrow(() -> FsException.of(Errno.EINVAL,
                        "%s: no file system jdax knows (%s) on it", d.name(), types())).type();
            }
            String opts = string(env, "options");
            MountOptions mo = MountOptions.parse(opts == null ? "" : opts);
            if ("true".equalsIgnoreCase(string(env, "readOnly"))) {
                mo = mo.with("ro", "");
            }
            JdaxFileSystem fs = new JdaxFileSystem(this, key, device, Vfs.mount(type, device, mo), image);
            mounted.put(key, fs);
            return fs;
        } catch (FsException e) {
            if (device != null) {
                device.close();
            }
            throw NioErrors.of(e, key);
        }
    }

    private static String types() {
        return String.join(", ", FileSystemTypes.all().stream().map(FileSystemType::name).toList());
    }

    private static String string(Map<String, ?> env, String k) {
        Object v = env == null ? null : env.get(k);
        return v == null ? null : v.toString();
    }

    private static long size(String s) throws FsException {
        String t = s.strip().toLowerCase(java.util.Locale.ROOT);
        long mult = 1;
        char last = t.isEmpty() ? ' ' : t.charAt(t.length() - 1);
        int shift = "kmgt".indexOf(last);
        if (shift >= 0) {
            mult = 1L << (10 * (shift + 1));
            t = t.substring(0, t.length() - 1);
        }
        try {
            return Long.parseLong(t) * mult;
        } catch (NumberFormatException e) {
            throw FsException.of(Errno.EINVAL, "size \"%s\": want a number of bytes (4096, 64m, 1g)", s);
        }
    }

    @Override
    public FileSystem getFileSystem(URI uri) {
        JdaxFileSystem fs = mounted.get(keyOf(uri));
        if (fs == null) {
            throw new FileSystemNotFoundException(uri.toString());
        }
        return fs;
    }

    @Override
    public Path getPath(URI uri) {
        String ssp = uri.getSchemeSpecificPart();
        int bang = ssp.indexOf('!');
        if (bang < 0) {
            throw new IllegalArgumentException("want jdax:IMAGE-URI!/path, got " + uri);
        }
        return getFileSystem(uri).getPath(ssp.substring(bang + 1));
    }

    private static JdaxPath jp(Path p) {
        if (!(p instanceof JdaxPath j)) {
            throw new ProviderMismatchException("not a jdax path: " + p);
        }
        j.getFileSystem().ensureOpen();
        return j;
    }

    private static boolean nofollow(LinkOption... options) {
        return Arrays.asList(options).contains(LinkOption.NOFOLLOW_LINKS);
    }

    private static int mode(FileAttribute<?>[] attrs, int fallback) {
        for (FileAttribute<?> a : attrs) {
            if (a.name().equals("posix:permissions") || a.name().equals("permissions")) {
                @SuppressWarnings("unchecked")
                Set<PosixFilePermission> perms = (Set<PosixFilePermission>) a.value();
                return JdaxAttributes.mode(perms);
            }
            throw new UnsupportedOperationException("attribute " + a.name() + " at creation: only posix:permissions");
        }
        return fallback;
    }

    @Override
    public SeekableByteChannel newByteChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
            throws IOException {
        return newFileChannel(path, options, attrs);
    }

    @Override
    public FileChannel newFileChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
            throws IOException {
        JdaxPath p = jp(path);
        dev.jdax.api.fs.FileSystem fs = p.getFileSystem().mounted();
        OpenOptions o = OpenOptions.of(options);
        int flags = o.flags();
        OpenFile f = null;
        try {
            // One call: with CREATE the lookup and the create are one step under the directory's lock.
            f = fs.open(p.pathName(), flags, mode(attrs, 0644), 0, 0);
            if (o.deleteOnClose()) {
                unlinkAtOpen(fs, p);
            }
            FileChannel ch = fs.stat(f.ino()).isDirectory()
                    ? new DirectoryChannel(p.getFileSystem(), f, p.toString())
                    : new JdaxFileChannel(f, p.toString(), p.getFileSystem().locks());
            f = null;
            return ch;
        } catch (FsException e) {
            if (e.errno() == Errno.EEXIST && (flags & OpenFlags.O_EXCL) != 0) {
                throw new FileAlreadyExistsException(p.toString());
            }
            throw NioErrors.of(e, p);
        } finally {
            if (f != null) {
                try {
                    f.close();
                } catch (FsException ignored) {
                    // the open failed already; that error is the one to report
                }
            }
        }
    }

    /**
     * DELETE_ON_CLOSE as the JDK on Linux does it: the name goes right after the open, best effort
     * (a failure is ignored there too), and the open file keeps the inode until it closes.
     */
    private static void unlinkAtOpen(dev.jdax.api.fs.FileSystem fs, JdaxPath p) {
        try {
            fs.unlink(p.fsPath());
        } catch (FsException ignored) {
            // the JDK ignores it: a directory, or a name already gone
        }
    }

    /** The file channel's I/O run on an executor, as the JDK's Linux provider does it (APPEND refused as there). */
    @Override
    public java.nio.channels.AsynchronousFileChannel newAsynchronousFileChannel(Path path,
            Set<? extends OpenOption> options, java.util.concurrent.ExecutorService executor, FileAttribute<?>... attrs)
            throws IOException {
        OpenOptions o = OpenOptions.of(options);
        if (o.append()) {
            throw new UnsupportedOperationException("APPEND not allowed");
        }
        FileChannel ch = newFileChannel(path, options, attrs);
        if (!(ch instanceof JdaxFileChannel f)) {
            ch.close();
            throw new java.nio.file.FileSystemException(path.toString(), null, "Is a directory");
        }
        return new JdaxAsyncChannel(f, executor, jp(path).getFileSystem().locks(), f.ino(), o.read(), o.write());
    }

    @Override
    public DirectoryStream<Path> newDirectoryStream(Path dir, DirectoryStream.Filter<? super Path> filter) throws IOException {
        JdaxPath p = jp(dir);
        dev.jdax.api.fs.FileSystem fs = p.getFileSystem().mounted();
        try {
            long ino = fs.resolve(p.pathName(), true);
            if (!fs.stat(ino).isDirectory()) {
                throw new java.nio.file.NotDirectoryException(p.toString());
            }
            return new JdaxDirectoryStream(p, fs.readdir(ino), filter);
        } catch (FsException e) {
            throw NioErrors.of(e, p);
        }
    }

    @Override
    public void createDirectory(Path dir, FileAttribute<?>... attrs) throws IOException {
        JdaxPath p = jp(dir);
        dev.jdax.api.fs.FileSystem fs = p.getFileSystem().mounted();
        try {
            if (p.getNameCount() == 0) {
                throw new FileAlreadyExistsException("/");
            }
            fs.mkdir(fs.resolveParent(p.fsPath()), PathWalk.lastName(p.fsPath()), mode(attrs, 0755), 0, 0);
        } catch (FsException e) {
            throw NioErrors.of(e, p);
        }
    }

    @Override
    public void createSymbolicLink(Path link, Path target, FileAttribute<?>... attrs) throws IOException {
        JdaxPath p = jp(link);
        dev.jdax.api.fs.FileSystem fs = p.getFileSystem().mounted();
        try {
            fs.symlink(fs.resolveParent(p.fsPath()), PathWalk.lastName(p.fsPath()), target.toString(), 0, 0);
        } catch (FsException e) {
            throw NioErrors.of(e, p);
        }
    }

    @Override
    public void createLink(Path link, Path existing) throws IOException {
        JdaxPath p = jp(link);
        JdaxPath ex = jp(existing);
        dev.jdax.api.fs.FileSystem fs = p.getFileSystem().mounted();
        try {
            fs.link(fs.resolve(ex.pathName(), false), fs.resolveParent(p.fsPath()), PathWalk.lastName(p.fsPath()));
        } catch (FsException e) {
            throw NioErrors.of(e, p, ex);
        }
    }

    @Override
    public Path readSymbolicLink(Path link) throws IOException {
        JdaxPath p = jp(link);
        dev.jdax.api.fs.FileSystem fs = p.getFileSystem().mounted();
        try {
            long ino = fs.resolve(p.pathName(), false);
            if (fs.stat(ino).type() != FileType.SYMLINK) {
                throw NioErrors.notLink(p);
            }
            return p.getFileSystem().getPath(fs.readlink(ino));
        } catch (FsException e) {
            throw NioErrors.of(e, p);
        }
    }

    @Override
    public void delete(Path path) throws IOException {
        JdaxPath p = jp(path);
        dev.jdax.api.fs.FileSystem fs = p.getFileSystem().mounted();
        try {
            try {
                fs.unlink(p.fsPath());
            } catch (FsException e) {
                if (e.errno() != Errno.EISDIR) {
                    throw e;
                }
                fs.rmdir(p.fsPath());  // as the JDK: unlink first, rmdir when it is a directory
            }
        } catch (FsException e) {
            throw NioErrors.of(e, p);
        }
    }

    @Override
    public void copy(Path source, Path target, CopyOption... options) throws IOException {
        new Copier(this).copy(jp(source), jp(target), options);
    }

    private boolean exists(JdaxPath p) {
        try {
            return p.getFileSystem().exists(p, true);
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void move(Path source, Path target, CopyOption... options) throws IOException {
        JdaxPath s = jp(source);
        JdaxPath t = jp(target);
        if (s.getFileSystem() != t.getFileSystem()) {
            copy(s, t, options);
            delete(s);
            return;
        }
        boolean replace = Arrays.asList(options).contains(StandardCopyOption.REPLACE_EXISTING);
        dev.jdax.api.fs.FileSystem fs = s.getFileSystem().mounted();
        try {
            fs.rename(s.fsPath(), t.fsPath(), replace ? 0 : OpenFlags.RENAME_NOREPLACE);
        } catch (FsException e) {
            // The JDK names the target alone when it is what is in the way.
            throw e.errno() == Errno.EEXIST || e.errno() == Errno.ENOTEMPTY ? NioErrors.of(e, t) : NioErrors.of(e, s, t);
        }
    }

    @Override
    public boolean isSameFile(Path path, Path path2) throws IOException {
        if (path.equals(path2)) {
            return true;
        }
        if (!(path2 instanceof JdaxPath b) || b.getFileSystem() != jp(path).getFileSystem()) {
            return false;
        }
        JdaxPath a = jp(path);
        return a.getFileSystem().ino(a, false) == b.getFileSystem().ino(b, false);
    }

    @Override
    public boolean isHidden(Path path) {
        Path name = path.getFileName();
        return name != null && name.toString().startsWith(".");
    }

    @Override
    public FileStore getFileStore(Path path) {
        return new JdaxFileStore(jp(path).getFileSystem());
    }

    /** {@code Files.exists}: the walk's answer, with no exception made for a name that is not there. */
    @Override
    public boolean exists(Path path, LinkOption... options) {
        JdaxPath p = jp(path);
        try {
            return p.getFileSystem().exists(p, nofollow(options));
        } catch (IOException e) {
            return false; // as the JDK's: an error of the walk (ELOOP, EIO) is "does not exist"
        }
    }

    /** {@code Files.isDirectory}, {@code isRegularFile} ...: the attributes, or null for a name that is not there. */
    @Override
    @SuppressWarnings("unchecked")
    public <A extends BasicFileAttributes> A readAttributesIfExists(Path path, Class<A> type, LinkOption... options)
            throws IOException {
        if (type != BasicFileAttributes.class && type != PosixFileAttributes.class) {
            throw new UnsupportedOperationException("attributes " + type.getName() + ": basic and posix only");
        }
        JdaxPath p = jp(path);
        if (!p.getFileSystem().exists(p, nofollow(options))) {
            return null;
        }
        try {
            return (A) new JdaxAttributes(p.getFileSystem().stat(p, nofollow(options)));
        } catch (java.nio.file.NoSuchFileException e) {
            return null; // removed between the two
        }
    }

    @Override
    public void checkAccess(Path path, AccessMode... modes) throws IOException {
        JdaxPath p = jp(path);
        AccessCheck.check(p, p.getFileSystem().stat(p, false), p.getFileSystem().isReadOnly(), modes);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <V extends FileAttributeView> V getFileAttributeView(Path path, Class<V> type, LinkOption... options) {
        JdaxPath p = jp(path);
        if (type == BasicFileAttributeView.class || type == PosixFileAttributeView.class
                || type == java.nio.file.attribute.FileOwnerAttributeView.class) {
            return (V) new View(p, nofollow(options));
        }
        return null;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <A extends BasicFileAttributes> A readAttributes(Path path, Class<A> type, LinkOption... options) throws IOException {
        if (type != BasicFileAttributes.class && type != PosixFileAttributes.class) {
            throw new UnsupportedOperationException("attributes " + type.getName() + ": basic and posix only");
        }
        JdaxPath p = jp(path);
        return (A) new JdaxAttributes(p.getFileSystem().stat(p, nofollow(options)));
    }

    @Override
    public Map<String, Object> readAttributes(Path path, String attributes, LinkOption... options) throws IOException {
        JdaxPath p = jp(path);
        int colon = attributes.indexOf(':');
        String view = colon < 0 ? "basic" : attributes.substring(0, colon);
        String names = colon < 0 ? attributes : attributes.substring(colon + 1);
        StatInfo st = p.getFileSystem().stat(p, nofollow(options));
        Map<String, Object> extra = new java.util.LinkedHashMap<>();
        switch (view) {
            case "basic", "posix", "unix" -> { }
            case "jdax" -> {
                Map<String, Object> m = new java.util.LinkedHashMap<>();
                m.put("dax", st.isDax());
                if (names.equals("*") || names.contains("extents")) {
                    m.put("extents", extents(p, st));
                }
                return names.equals("*") ? m : filter(m, names);
            }
            default -> throw new UnsupportedOperationException("attribute view " + view + ": basic, posix, unix or jdax");
        }
        return new JdaxAttributes(st).select(view, names, extra);
    }

    private static Map<String, Object> filter(Map<String, Object> m, String names) {
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        for (String n : names.split(",")) {
            if (!m.containsKey(n)) {
                throw new IllegalArgumentException("'" + n + "' is not an attribute of the jdax view (dax, extents)");
            }
            out.put(n, m.get(n));
        }
        return out;
    }

    private static List<dev.jdax.api.fs.FiemapExtent> extents(JdaxPath p, StatInfo st) throws IOException {
        if (!st.isRegular()) {
            return List.of();
        }
        try (OpenFile f = p.getFileSystem().mounted().open(st.ino(), OpenFlags.O_RDONLY)) {
            return f.fiemap(0, Long.MAX_VALUE);
        } catch (FsException e) {
            throw NioErrors.of(e, p);
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public void setAttribute(Path path, String attribute, Object value, LinkOption... options) throws IOException {
        JdaxPath p = jp(path);
        String name = attribute.contains(":") ? attribute.substring(attribute.indexOf(':') + 1) : attribute;
        View v = new View(p, nofollow(options));
        switch (name) {
            case "lastModifiedTime" -> v.setTimes((FileTime) value, null, null);
            case "lastAccessTime" -> v.setTimes(null, (FileTime) value, null);
            case "creationTime" -> { }
            case "permissions" -> v.setPermissions((Set<PosixFilePermission>) value);
            case "mode" -> v.set(SetAttr.mode((Integer) value));
            case "uid" -> v.set(new SetAttr(null, (Integer) value, null, null, null));
            case "gid" -> v.set(new SetAttr(null, null, (Integer) value, null, null));
            case "owner" -> v.setOwner((java.nio.file.attribute.UserPrincipal) value);
            case "group" -> v.setGroup((java.nio.file.attribute.GroupPrincipal) value);
            case "dax" -> {
                try (OpenFile f = p.getFileSystem().mounted().open(p.getFileSystem().ino(p, false), OpenFlags.O_RDONLY)) {
                    f.setDaxFlag((Boolean) value);
                } catch (FsException e) {
                    throw NioErrors.of(e, p);
                }
            }
            default -> throw unknownAttribute(attribute);
        }
    }

    /** As the JDK: an attribute of a view it has is IllegalArgumentException, a view it lacks UnsupportedOperationException. */
    private static RuntimeException unknownAttribute(String attribute) {
        String view = attribute.contains(":") ? attribute.substring(0, attribute.indexOf(':')) : "basic";
        String name = attribute.substring(attribute.indexOf(':') + 1);
        if (List.of("basic", "posix", "unix", "owner", "jdax").contains(view)) {
            return new IllegalArgumentException("'" + view + ":" + name + "' not recognized");
        }
        return new UnsupportedOperationException("View '" + view + "' not available");
    }

    /** The basic and posix views of one path. */
    private static final class View implements PosixFileAttributeView {
        private final JdaxPath p;
        private final boolean nofollow;

        View(JdaxPath p, boolean nofollow) {
            this.p = p;
            this.nofollow = nofollow;
        }

        @Override
        public String name() {
            return "posix";
        }

        @Override
        public PosixFileAttributes readAttributes() throws IOException {
            return new JdaxAttributes(p.getFileSystem().stat(p, nofollow));
        }

        void set(SetAttr a) throws IOException {
            try {
                p.getFileSystem().mounted().setattr(p.getFileSystem().ino(p, nofollow), a);
            } catch (FsException e) {
                throw NioErrors.of(e, p);
            }
        }

        @Override
        public void setTimes(FileTime lastModifiedTime, FileTime lastAccessTime, FileTime createTime) throws IOException {
            if (lastModifiedTime != null || lastAccessTime != null) {
                set(SetAttr.times(lastAccessTime == null ? null : lastAccessTime.toInstant(),
                        lastModifiedTime == null ? null : lastModifiedTime.toInstant()));
            }
        }

        @Override
        public void setPermissions(Set<PosixFilePermission> perms) throws IOException {
            set(SetAttr.mode(JdaxAttributes.mode(perms)));
        }

        @Override
        public void setGroup(GroupPrincipal group) throws IOException {
            set(new SetAttr(null, null, HostPrincipals.INSTANCE.gidOf(group), null, null));
        }

        @Override
        public UserPrincipal getOwner() throws IOException {
            return readAttributes().owner();
        }

        @Override
        public void setOwner(UserPrincipal owner) throws IOException {
            set(new SetAttr(null, HostPrincipals.INSTANCE.uidOf(owner), null, null, null));
        }
    }
}
