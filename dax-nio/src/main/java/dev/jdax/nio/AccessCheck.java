package dev.jdax.nio;

import dev.jdax.api.fs.StatInfo;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.AccessMode;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code checkAccess} as {@code access(2)} answers it on Linux ({@code generic_permission}): the
 * file's mode bits for the process's real user and groups, the superuser reading and writing
 * anything and executing whatever has an execute bit (or is a directory), and writing on a
 * read-only mount EROFS.
 */
final class AccessCheck {
    private static volatile Credentials self;

    private AccessCheck() {
    }

    /** The process's real uid, real gid and supplementary groups. */
    record Credentials(int uid, int gid, Set<Integer> groups) {
    }

    static void check(JdaxPath p, StatInfo st, boolean readOnly, AccessMode... modes) throws IOException {
        Credentials who = credentials();
        for (AccessMode m : modes) {
            if (m == AccessMode.WRITE && readOnly) {
                throw new FileSystemException(p.toString(), null, "Read-only file system");
            }
            if (!allowed(who, st, m)) {
                throw new AccessDeniedException(p.toString());
            }
        }
    }

    static boolean allowed(Credentials who, StatInfo st, AccessMode m) {
        int mode = st.mode();
        int bit = switch (m) {
            case READ -> 4;
            case WRITE -> 2;
            case EXECUTE -> 1;
        };
        if (who.uid() == 0) {
            return m != AccessMode.EXECUTE || st.isDirectory() || (mode & 0111) != 0;
        }
        int shift = who.uid() == st.uid() ? 6 : who.gid() == st.gid() || who.groups().contains(st.gid()) ? 3 : 0;
        return (mode >> shift & bit) != 0;
    }

    private static Credentials credentials() throws IOException {
        Credentials c = self;
        if (c == null) {
            c = read(Files.readAllLines(Path.of("/proc/self/status")));
            self = c;
        }
        return c;
    }

    /** Uid, Gid and Groups lines of {@code /proc/self/status}: real, effective, saved, fs ids. */
    static Credentials read(List<String> status) {
        int uid = -1;
        int gid = -1;
        Set<Integer> groups = new HashSet<>();
        for (String line : status) {
            String[] f = line.split("\\s+");
            switch (f[0]) {
                case "Uid:" -> uid = Integer.parseInt(f[1]);
                case "Gid:" -> gid = Integer.parseInt(f[1]);
                case "Groups:" -> {
                    for (int i = 1; i < f.length; i++) {
                        groups.add(Integer.parseInt(f[i]));
                    }
                }
                default -> { }
            }
        }
        return new Credentials(uid, gid, Set.copyOf(groups));
    }
}
