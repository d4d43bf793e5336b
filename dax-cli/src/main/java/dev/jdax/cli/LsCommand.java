package dev.jdax.cli;

import dev.jdax.api.FsException;
import dev.jdax.api.fs.DirEntry;
import dev.jdax.api.fs.FileSystem;
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

/** {@code jdax ls}: a directory's entries (or one file), sorted by name as ls sorts them in the C locale. */
@Command(name = "ls", mixinStandardHelpOptions = true,
        header = "List a directory inside an image.",
        description = "Lists a directory inside an image (the root with IMAGE: or IMAGE:/). Times are UTC.")
final class LsCommand implements Callable<Integer> {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneOffset.UTC);

    @Option(names = "-l", description = "Long format: mode, links, owner, group, size, modification time, name.")
    boolean longFormat;

    @Option(names = "-a", description = "Show . and .. too.")
    boolean all;

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
        List<DirEntry> entries = new ArrayList<>();
        if (st.isDirectory()) {
            for (DirEntry e : fs.readdir(ino)) {
                if (all || !(e.name().equals(".") || e.name().equals(".."))) {
                    entries.add(e);
                }
            }
            entries.sort(Comparator.comparing(DirEntry::name));
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
    }

    private static String[] longRow(FileSystem fs, DirEntry e) throws FsException {
        StatInfo s = fs.stat(e.ino());
        String name = e.name();
        if (s.type() == dev.jdax.api.fs.FileType.SYMLINK) {
            name += " -> " + fs.readlink(e.ino());
        }
        return new String[] {ModeString.of(s.mode()), Long.toString(s.nlink()), Integer.toString(s.uid()),
                Integer.toString(s.gid()), Long.toString(s.size()), TIME.format(s.mtime()), name};
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
