package dev.jdax.nio;

import dev.jdax.api.fs.PathName;

import java.net.URI;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A path in a jdax file system: '/'-separated names, absolute when it starts with '/'. The string
 * the file system resolves ({@link #fsPath}), with its components found and hashed
 * ({@link #pathName}), is made once per path object, so a program that keeps its paths pays for
 * neither on each call.
 */
final class JdaxPath implements Path {
    private final JdaxFileSystem fs;
    private final boolean absolute;
    private final List<String> names;
    /** {@link #pathName}, once made (a race makes it twice, equal; its fields are final). */
    private PathName resolved;
    /** {@link #toString}, once made (a channel names its file by it at every open). */
    private String text;

    JdaxPath(JdaxFileSystem fs, String path) {
        this.fs = fs;
        this.absolute = path.startsWith("/");
        List<String> n = new ArrayList<>();
        for (String s : path.split("/")) {
            if (!s.isEmpty()) {
                n.add(s);
            }
        }
        this.names = List.copyOf(n);
    }

    private JdaxPath(JdaxFileSystem fs, boolean absolute, List<String> names) {
        this.fs = fs;
        this.absolute = absolute;
        this.names = List.copyOf(names);
    }

    private JdaxPath check(Path other) {
        Objects.requireNonNull(other);
        if (!(other instanceof JdaxPath p)) {
            throw new ProviderMismatchException("not a jdax path: " + other);
        }
        return p;
    }

    /** The absolute path string the mounted file system resolves. */
    String fsPath() {
        return pathName().path();
    }

    /** {@link #fsPath} with its components hashed, for the walks a program repeats. */
    PathName pathName() {
        PathName r = resolved;
        if (r == null) {
            r = PathName.of("/" + String.join("/", ((JdaxPath) toAbsolutePath().normalize()).names));
            resolved = r;
        }
        return r;
    }

    @Override
    public JdaxFileSystem getFileSystem() {
        return fs;
    }

    @Override
    public boolean isAbsolute() {
        return absolute;
    }

    @Override
    public Path getRoot() {
        return absolute ? new JdaxPath(fs, true, List.of()) : null;
    }

    @Override
    public Path getFileName() {
        return names.isEmpty() ? null : new JdaxPath(fs, false, List.of(names.getLast()));
    }

    @Override
    public Path getParent() {
        if (names.isEmpty() || (names.size() == 1 && !absolute)) {
            return null;
        }
        return new JdaxPath(fs, absolute, names.subList(0, names.size() - 1));
    }

    @Override
    public int getNameCount() {
        return names.size();
    }

    @Override
    public Path getName(int index) {
        return new JdaxPath(fs, false, List.of(names.get(index)));
    }

    @Override
    public Path subpath(int beginIndex, int endIndex) {
        if (beginIndex < 0 || endIndex > names.size() || beginIndex >= endIndex) {
            throw new IllegalArgumentException("subpath " + beginIndex + ".." + endIndex + " of " + this);
        }
        return new JdaxPath(fs, false, names.subList(beginIndex, endIndex));
    }

    @Override
    public boolean startsWith(Path other) {
        JdaxPath o = check(other);
        return o.absolute == absolute && o.names.size() <= names.size() && names.subList(0, o.names.size()).equals(o.names);
    }

    @Override
    public boolean endsWith(Path other) {
        JdaxPath o = check(other);
        if (o.absolute) {
            return equals(o);
        }
        return o.names.size() <= names.size() && names.subList(names.size() - o.names.size(), names.size()).equals(o.names);
    }

    @Override
    public Path normalize() {
        List<String> out = new ArrayList<>();
        for (String n : names) {
            if (n.equals(".")) {
                continue;
            }
            if (n.equals("..") && !out.isEmpty() && !out.getLast().equals("..")) {
                out.removeLast();
            } else if (!(n.equals("..") && absolute)) {
                out.add(n);
            }
        }
        return new JdaxPath(fs, absolute, out);
    }

    /**
     * A name without a slash resolves as one more name of this path, built in one step: a
     * directory stream resolves every entry so, and the general way (parse the name into a path,
     * then join two lists) was a third of a listing's time in a directory of 100,000 names.
     */
    @Override
    public Path resolve(String other) {
        if (other.isEmpty() || other.indexOf('/') >= 0) {
            return resolve(fs.getPath(other));
        }
        String[] n = names.toArray(new String[names.size() + 1]);
        n[n.length - 1] = other;
        return new JdaxPath(fs, absolute, List.of(n));
    }

    @Override
    public Path resolve(Path other) {
        JdaxPath o = check(other);
        if (o.absolute) {
            return o;
        }
        List<String> n = new ArrayList<>(names);
        n.addAll(o.names);
        return new JdaxPath(fs, absolute, n);
    }

    @Override
    public Path relativize(Path other) {
        JdaxPath o = check(other);
        if (o.absolute != absolute) {
            throw new IllegalArgumentException("relativize needs two absolute or two relative paths: " + this + ", " + other);
        }
        JdaxPath a = (JdaxPath) normalize();
        JdaxPath b = (JdaxPath) o.normalize();
        int common = 0;
        while (common < a.names.size() && common < b.names.size() && a.names.get(common).equals(b.names.get(common))) {
            common++;
        }
        List<String> out = new ArrayList<>();
        for (int i = common; i < a.names.size(); i++) {
            out.add("..");
        }
        out.addAll(b.names.subList(common, b.names.size()));
        return new JdaxPath(fs, false, out);
    }

    @Override
    public URI toUri() {
        return URI.create("jdax:" + fs.imageUri() + "!" + fsPath().replace(" ", "%20"));
    }

    @Override
    public Path toAbsolutePath() {
        return absolute ? this : new JdaxPath(fs, true, names);
    }

    @Override
    public Path toRealPath(LinkOption... options) throws java.io.IOException {
        return fs.realPath(this, Arrays.asList(options).contains(LinkOption.NOFOLLOW_LINKS));
    }

    @Override
    public WatchKey register(WatchService watcher, WatchEvent.Kind<?>[] events, WatchEvent.Modifier... modifiers) {
        throw new UnsupportedOperationException("jdax file systems have no WatchService (nothing outside the JVM changes them)");
    }

    @Override
    public int compareTo(Path other) {
        return toString().compareTo(check(other).toString());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof JdaxPath p && p.fs == fs && p.absolute == absolute && p.names.equals(names);
    }

    @Override
    public int hashCode() {
        return Objects.hash(absolute, names);
    }

    @Override
    public String toString() {
        String t = text;
        if (t == null) {
            String s = String.join("/", names);
            t = absolute ? "/" + s : s;
            text = t;
        }
        return t;
    }
}
