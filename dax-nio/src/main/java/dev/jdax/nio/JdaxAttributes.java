package dev.jdax.nio;

import dev.jdax.api.fs.FileType;
import dev.jdax.api.fs.StatInfo;

import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Instant;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** A file's attributes from its inode, in the shape of the basic, posix and unix views. */
record JdaxAttributes(StatInfo st) implements PosixFileAttributes {
    private static FileTime time(Instant t) {
        return t == null ? FileTime.fromMillis(0) : FileTime.from(t);
    }

    @Override
    public FileTime lastModifiedTime() {
        return time(st.mtime());
    }

    @Override
    public FileTime lastAccessTime() {
        return time(st.atime());
    }

    @Override
    public FileTime creationTime() {
        return time(st.btime() != null ? st.btime() : st.ctime());
    }

    @Override
    public boolean isRegularFile() {
        return st.type() == FileType.REGULAR;
    }

    @Override
    public boolean isDirectory() {
        return st.type() == FileType.DIRECTORY;
    }

    @Override
    public boolean isSymbolicLink() {
        return st.type() == FileType.SYMLINK;
    }

    @Override
    public boolean isOther() {
        return !isRegularFile() && !isDirectory() && !isSymbolicLink();
    }

    @Override
    public long size() {
        return st.size();
    }

    @Override
    public Object fileKey() {
        return st.ino();
    }

    @Override
    public UserPrincipal owner() {
        return HostPrincipals.INSTANCE.user(st.uid());
    }

    @Override
    public GroupPrincipal group() {
        return HostPrincipals.INSTANCE.group(st.gid());
    }

    @Override
    public Set<PosixFilePermission> permissions() {
        Set<PosixFilePermission> out = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] all = PosixFilePermission.values(); // OWNER_READ .. OTHERS_EXECUTE
        for (int i = 0; i < 9; i++) {
            if ((st.mode() & (0400 >> i)) != 0) {
                out.add(all[i]);
            }
        }
        return out;
    }

    static int mode(Set<PosixFilePermission> perms) {
        int m = 0;
        for (PosixFilePermission p : perms) {
            m |= 0400 >> p.ordinal();
        }
        return m;
    }

    /** readAttributes(path, "view:a,b" or "view:*") as the JDK's providers answer it. */
    Map<String, Object> select(String view, String names, Map<String, Object> extra) {
        Map<String, Object> all = new LinkedHashMap<>();
        all.put("lastModifiedTime", lastModifiedTime());
        all.put("lastAccessTime", lastAccessTime());
        all.put("creationTime", creationTime());
        all.put("size", size());
        all.put("isRegularFile", isRegularFile());
        all.put("isDirectory", isDirectory());
        all.put("isSymbolicLink", isSymbolicLink());
        all.put("isOther", isOther());
        all.put("fileKey", fileKey());
        if (!view.equals("basic")) {
            all.put("owner", owner());
            all.put("group", group());
            all.put("permissions", permissions());
        }
        if (view.equals("unix")) {
            all.put("mode", st.mode());
            all.put("ino", st.ino());
            all.put("nlink", (int) st.nlink());
            all.put("uid", st.uid());
            all.put("gid", st.gid());
            all.put("ctime", time(st.ctime()));
            all.put("rdev", st.rdev());
        }
        all.putAll(extra);
        if (names.equals("*")) {
            return all;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (String n : names.split(",")) {
            if (!all.containsKey(n)) {
                throw new IllegalArgumentException("'" + n + "' is not an attribute of the " + view + " view");
            }
            out.put(n, all.get(n));
        }
        return out;
    }

    @Override
    public String toString() {
        return PosixFilePermissions.toString(permissions()) + " " + st.size();
    }
}
