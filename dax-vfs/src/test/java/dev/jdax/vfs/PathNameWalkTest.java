package dev.jdax.vfs;

import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.api.fs.PathName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A walk of a hashed path name answers what the walk of its string answers, from the dentry cache
 * when it holds the components: files, directories, links to follow or not, trailing slashes,
 * names packed and not, names absent.
 */
class PathNameWalkTest {
    final MemFs mem = new MemFs();
    final FileSystem fs = Vfs.over(mem);

    /** What a question answered: an inode number, a boolean, or the errno it threw. */
    private static String answer(Question q) {
        try {
            return String.valueOf(q.ask());
        } catch (FsException e) {
            return e.errno().name();
        }
    }

    private static long openedIno(OpenFile f) throws FsException {
        try (f) {
            return f.ino();
        }
    }

    interface Question {
        Object ask() throws FsException;
    }

    @Test
    void theHashedWalkAnswersAsTheStringWalk() throws Exception {
        long root = fs.rootIno();
        long d = fs.mkdir(root, "d", 0755, 0, 0);
        long sub = fs.mkdir(d, "sub directory of sixteen+", 0755, 0, 0);
        for (String name : List.of("f", "name-12345", "1234567890abcdef", "1234567890abcdefg", "grün", "€uro")) {
            fs.create(d, name, 0644, 0, 0);
            fs.create(sub, name, 0644, 0, 0);
        }
        fs.symlink(d, "to-f", "f", 0, 0);
        fs.symlink(d, "to-sub", "sub directory of sixteen+", 0, 0);
        fs.symlink(d, "dangling", "nowhere", 0, 0);
        fs.symlink(root, "loop", "loop", 0, 0);
        List<String> paths = new ArrayList<>();
        for (String name : List.of("f", "name-12345", "1234567890abcdef", "1234567890abcdefg", "grün", "€uro", "absent",
                "name-1234", "1234567890abcdeg", "to-f", "to-sub", "dangling")) {
            paths.add("/d/" + name);
            paths.add("/d/" + name + "/");
            paths.add("//d//" + name);
            paths.add("/d/sub directory of sixteen+/" + name);
            paths.add("/d/to-sub/" + name);
            paths.add("/d/f/" + name);
        }
        paths.addAll(List.of("/", "/d", "/d/", "/loop", "/loop/x", "/absent/x", "/d/../d/f", "/d/./f"));

        int rounds = 3; // the first fills the dentry cache; the others walk it
        for (int round = 0; round < rounds; round++) {
            int before = mem.lookups.get();
            for (String path : paths) {
                PathName p = PathName.of(path);
                for (boolean follow : new boolean[] {true, false}) {
                    String what = path + (follow ? " following" : " not following");
                    assertEquals(answer(() -> fs.resolve(path, follow)), answer(() -> fs.resolve(p, follow)), "resolve " + what);
                    assertEquals(answer(() -> fs.exists(path, follow)), answer(() -> fs.exists(p, follow)), "exists " + what);
                    assertEquals(answer(() -> fs.stat(path, follow).ino()), answer(() -> fs.stat(p, follow).ino()), "stat " + what);
                    int flags = OpenFlags.O_RDONLY | (follow ? 0 : OpenFlags.O_NOFOLLOW);
                    assertEquals(answer(() -> openedIno(fs.open(path, flags, 0, 0, 0))), answer(() -> openedIno(fs.open(p, flags, 0, 0, 0))),
                            "open " + what);
                }
            }
            if (round > 0) {
                assertEquals(0, mem.lookups.get() - before, "a cached tree asks the format nothing");
            }
        }
        // What the answers are, not only that they agree.
        assertEquals("true", answer(() -> fs.exists(PathName.of("/d/1234567890abcdefg"), true)));
        assertEquals("false", answer(() -> fs.exists(PathName.of("/d/1234567890abcdeg"), true)));
        assertEquals("false", answer(() -> fs.exists(PathName.of("/d/f/"), true)));
        assertEquals("false", answer(() -> fs.exists(PathName.of("/d/dangling"), true)));
        assertEquals("true", answer(() -> fs.exists(PathName.of("/d/dangling"), false)));
        assertEquals(String.valueOf(sub), answer(() -> fs.resolve(PathName.of("/d/to-sub/"), false)));
        assertEquals("ENOTDIR", answer(() -> fs.resolve(PathName.of("/d/f/x"), true)));
        assertEquals("ELOOP", answer(() -> fs.resolve(PathName.of("/loop"), true)));
        assertEquals("ENOENT", answer(() -> fs.stat(PathName.of("/d/absent"), true)));
        assertEquals("ELOOP", answer(() -> openedIno(fs.open(PathName.of("/d/to-f"), OpenFlags.O_NOFOLLOW, 0, 0, 0))));
        long made = fs.resolve(PathName.of("/d/f"), true);
        assertEquals(String.valueOf(made), answer(() -> openedIno(fs.open(PathName.of("/d/to-f"), OpenFlags.O_RDWR, 0, 0, 0))));
    }

    @Test
    void aHashedWalkSeesTheDirectorysChanges() throws Exception {
        long root = fs.rootIno();
        long d = fs.mkdir(root, "d", 0755, 0, 0);
        PathName p = PathName.of("/d/name");
        assertEquals(false, fs.exists(p, true));
        assertEquals(false, fs.exists(p, true), "now from a negative dentry");
        long f = fs.create(d, "name", 0644, 0, 0);
        assertEquals(f, fs.resolve(p, true));
        fs.rename(d, "name", root, "elsewhere", 0);
        assertEquals(false, fs.exists(p, true));
        assertEquals(f, fs.resolve(PathName.of("/elsewhere"), true));
        fs.symlink(d, "name", "/elsewhere", 0, 0);
        assertEquals(f, fs.resolve(p, true));
        assertEquals(f, fs.stat(p, true).ino());
        assertEquals(true, fs.exists(p, false));
    }
}
