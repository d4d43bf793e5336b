package dev.jdax.cli;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.DeviceNumbers;
import dev.jdax.api.fs.DirEntry;
import dev.jdax.api.fs.DirStream;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.FileType;
import dev.jdax.api.fs.StatInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code jdax ls}: a directory's entries (or one file), sorted by name as ls sorts them in the C
 * locale, or with -U in the order the file system lists them (readdir's order).
 */
@Command(name = "ls", mixinStandardHelpOptions = true,
        header = "List a directory inside an image.",
        description = "Lists a directory inside an image (the root with IMAGE: or IMAGE:/). Times are UTC. With -R, "
                + "each directory under it follows, headed by its name, as ls -R prints them. With -U the entries are "
                + "not sorted: they come in the order the file system lists them, as getdents returns them on Linux "
                + "(ext4 lists a hashed directory, and with dir_index any one-block directory, by hash; ext2 and XFS in "
                + "the order of their records; with -a, . and .. where the file system puts them: ext4 among the "
                + "others by their hash in a one-block directory).")
final class LsCommand implements Callable<Integer> {
    /** Bounds the walk of an image whose directories loop (a corrupt one). */
    private static final int MAX_DEPTH = 2048;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneOffset.UTC);

    @Option(names = "-l", description = "Long format: mode, links, owner, group, size, modification time, name.")
    boolean longFormat;

    @Option(names = "-a", description = "Show . and .. too.")
    boolean all;

    @Option(names = "-U", description = "Do not sort: list the entries in the order the file system lists them.")
    boolean unsorted;

    @Option(names = "-R", description = "List the directories under it too, recursively.")
    boolean recursive;

    @Parameters(paramLabel = "IMAGE:/dir")
    String target;

    @Override
    public Integer call() throws FsException {
        ImageRef ref = ImageRef.parse(target);
        ref.onMounted("ro", target, fs -> list(fs, ref));
        return 0;
    }

    private void list(FileSystem fs, ImageRef ref) throws FsException {
        long ino = fs.resolve(ref.path(), true);
        StatInfo st = fs.stat(ino);
        if (st.isDirectory() && recursive) {
            listTree(fs, ino, ref.toString(), 0);
        } else {
            listOne(fs, ino, st);
        }
    }

    /** ls -R: the directory under its heading, then each directory in it, depth first in name order. */
    private void listTree(FileSystem fs, long dir, String shown, int depth) throws FsException {
        if (depth > MAX_DEPTH) {
            throw FsException.of(Errno.ELOOP, "%s: directories nested deeper than %d", shown, MAX_DEPTH);
        }
        if (depth > 0) {
            System.out.println();
        }
        System.out.println(shown + ":");
        for (DirEntry e : listOne(fs, dir, fs.stat(dir))) {
            boolean isDir = e.type() == FileType.DIRECTORY || e.type() == FileType.UNKNOWN && fs.stat(e.ino()).isDirectory();
            if (isDir && !e.name().equals(".") && !e.name().equals("..")) {
                listTree(fs, e.ino(), shown.endsWith("/") ? shown + e.name() : shown + "/" + e.name(), depth + 1);
            }
        }
    }

    /** The entries as getdents returns them, . and .. where the file system puts them; readdir's where it gives no positions. */
    private static List<DirEntry> getdents(FileSystem fs, long dir) throws FsException {
        try {
            List<DirEntry> out = new ArrayList<>();
            for (DirStream.Entry e : fs.getdents(dir).entries()) {
                out.add(new DirEntry(e.name(), e.ino(), e.type()));
            }
            return out;
        } catch (FsException e) {
            if (e.errno() != Errno.EOPNOTSUPP) {
                throw e;
            }
            return fs.readdir(dir);
        }
    }

    /** Prints a directory's entries (or the file itself); returns the entries printed. */
    private List<DirEntry> listOne(FileSystem fs, long ino, StatInfo st) throws FsException {
        List<DirEntry> entries = new ArrayList<>();
        if (st.isDirectory()) {
            for (DirEntry e : unsorted ? getdents(fs, ino) : fs.readdir(ino)) {
                if (all || !(e.name().equals(".") || e.name().equals(".."))) {
                    entries.add(e);
                }
            }
            if (!unsorted) {
                entries.sort(Comparator.comparing(DirEntry::name));
            }
        } else {
            // A file is listed by the name the user gave it, as ls lists an operand.
            entries.add(new DirEntry(target, ino, st.type()));
        }
        List<String[]> rows = new ArrayList<>();
        for (DirEntry e : entries) {
            if (!longFormat) {
                System.out.println(e.name());
            } else {
                rows.add(longRow(fs, e));
            }
        }
        printAligned(rows);
        return entries;
    }

    private static String[] longRow(FileSystem fs, DirEntry e) throws FsException {
        StatInfo s = fs.stat(e.ino());
        String name = e.name();
        if (s.type() == FileType.SYMLINK) {
            name += " -> " + fs.readlink(e.ino());
        }
        return new String[] {ModeString.of(s.mode()), Long.toString(s.nlink()), Integer.toString(s.uid()),
                Integer.toString(s.gid()), sizeColumn(s), TIME.format(s.mtime()), name};
    }

    /** The size, or for a device its numbers ("1, 3"), as ls -l prints them. */
    private static String sizeColumn(StatInfo s) {
        return DeviceNumbers.hasDevice(s.type())
                ? DeviceNumbers.major(s.rdev()) + ", " + DeviceNumbers.minor(s.rdev()) : Long.toString(s.size());
    }

    /** Right-aligns the numeric columns as ls does; the name is left as it is. */
    private static void printAligned(List<String[]> rows) {
        if (rows.isEmpty()) {
            return;
        }
        int cols = rows.get(0).length;
        int[] width = new int[cols];
        for (String[] r : rows) {
            for (int i = 0; i < cols; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder sb = new StringBuilder(r[0]);
            for (int i = 1; i < cols - 1; i++) {
                sb.append(' ').append(" ".repeat(width[i] - r[i].length())).append(r[i]);
            }
            System.out.println(sb.append(' ').append(r[cols - 1]));
        }
    }
}
