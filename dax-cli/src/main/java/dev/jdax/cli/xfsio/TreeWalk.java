package dev.jdax.cli.xfsio;

import dev.jdax.api.FsException;
import dev.jdax.api.fs.DirEntry;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.FileType;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;

import java.util.List;

/**
 * The walk of xfs_io's {@code -R} and {@code -D} options (extsize, chproj, lsproj):
 * nftw(name, ..., FTW_PHYS | FTW_MOUNT | FTW_DEPTH), every entry below a directory in readdir
 * order, each directory after what it holds, each opened read-only by its path. On a regular file
 * the walk visits the file alone ({@code -D}: nothing). As in xfs_io, a walk that cannot go on (a
 * name gone, a directory that cannot be read) ends without a word, and what cannot be opened is
 * said on stderr.
 */
final class TreeWalk {
    /** What a command does with each entry the walk opens. */
    interface Visit {
        void visit(String path, OpenFile f);
    }

    /** The options of the commands that walk: {@code -R} (all), {@code -D} (directories only), and what follows them. */
    record Options(boolean all, boolean dirsOnly, List<String> operands) {
        boolean recursive() {
            return all || dirsOnly;
        }

        /** Whether both were given, which the commands that change something refuse (said on stderr, exit code 1). */
        boolean refusedTogether(XfsIoProcess p) {
            if (all && dirsOnly) {
                p.out().err("xfs_io: -R and -D options are mutually exclusive");
                p.setExitCode(1);
                return true;
            }
            return false;
        }

        /** getopt of "DR"; null after the usage an unknown option prints. */
        static Options of(XfsIoProcess p, NamedCommand cmd, List<String> argv) {
            boolean all = false;
            boolean dirsOnly = false;
            GetOpt g = p.getopt(argv, "DR");
            for (int c; (c = g.next()) != -1; ) {
                switch (c) {
                    case 'D' -> dirsOnly = true;
                    case 'R' -> all = true;
                    default -> {
                        p.usage(cmd);
                        return null;
                    }
                }
            }
            return new Options(all, dirsOnly, g.operands());
        }
    }

    private TreeWalk() {
    }

    /**
     * Walks the tree under {@code name}, a path as the process opened it.
     *
     * @param dirsOnly {@code -D}: only directories are visited
     */
    static void walk(XfsIoProcess p, String name, boolean dirsOnly, Visit visit) {
        FileSystem fs = p.fs();
        try {
            long ino = fs.resolve(p.pathInFileSystem(name), false);
            visit(p, fs, name, ino, dirsOnly, visit);
        } catch (FsException e) {
            // nftw's -1, which xfs_io's callers do not look at
        }
    }

    private static void visit(XfsIoProcess p, FileSystem fs, String path, long ino, boolean dirsOnly, Visit visit)
            throws FsException {
        boolean dir = FileType.ofMode(fs.stat(ino).mode()) == FileType.DIRECTORY;
        if (dir) {
            for (DirEntry e : fs.readdir(ino)) {
                if (!e.name().equals(".") && !e.name().equals("..")) {
                    visit(p, fs, path + "/" + e.name(), e.ino(), dirsOnly, visit);
                }
            }
        }
        if (dirsOnly && !dir) {
            return;
        }
        OpenFile f;
        try {
            f = fs.open(p.pathInFileSystem(path), OpenFlags.O_RDONLY);
        } catch (FsException e) {
            p.out().err("xfs_io: cannot open " + path + ": " + e.errno().message());
            p.setExitCode(1);
            return;
        }
        try (f) {
            visit.visit(path, f);
        }
    }
}
