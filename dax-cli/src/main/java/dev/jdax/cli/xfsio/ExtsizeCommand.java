package dev.jdax.cli.xfsio;

import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileType;
import dev.jdax.api.fs.OpenFile;

import java.util.List;

/**
 * xfs_io's {@code extsize} (io/open.c extsize_f): with no size, the open file's extent size hint
 * in bytes ({@code [N] path}); with one, FS_IOC_FSSETXATTR of it. Its failures are printed on
 * stdout, as xfs_io prints them. {@code -R} walks a directory's tree and {@code -D} its directories
 * only; on a regular file {@code -R} sets the file itself and {@code -D} nothing, as nftw visits
 * only the file. jdax keeps no hint on directories: setting one there fails with EOPNOTSUPP.
 */
final class ExtsizeCommand extends NamedCommand {
    ExtsizeCommand() {
        super("extsize", null, "[-D | -R] [extsize]", "get/set preferred extent size (in bytes) for the open file",
                Arguments.ANY, XFS_ONLY);
    }

    @Override
    public void run(XfsIoProcess p, List<String> argv) {
        boolean all = false;
        boolean dirsOnly = false;
        GetOpt g = p.getopt(argv, "DR");
        for (int c; (c = g.next()) != -1; ) {
            switch (c) {
                case 'D' -> dirsOnly = true;
                case 'R' -> all = true;
                default -> {
                    p.usage(this);
                    return;
                }
            }
        }
        List<String> rest = g.operands();
        long size = -1;
        if (!rest.isEmpty()) {
            size = p.number(rest.get(0));
            if (size < 0) {
                p.out().out("non-numeric extsize argument -- " + rest.get(0));
                p.setExitCode(1);
                return;
            }
        }
        if (all && dirsOnly) {
            p.out().err("xfs_io: -R and -D options are mutually exclusive");
            p.setExitCode(1);
            return;
        }
        OpenFile f = p.file().handle();
        String name = p.file().name();
        if (all || dirsOnly) {
            boolean dir;
            try {
                dir = FileType.ofMode(f.stat().mode()) == FileType.DIRECTORY;
            } catch (FsException e) {
                p.perror("fstat", e);
                return;
            }
            if (!dir && dirsOnly) {
                return;     // nftw visits the file alone, and -D skips what is not a directory
            }
        }
        if (size < 0) {
            try {
                p.out().out("[" + Integer.toUnsignedString(f.fsxattr().extsize()) + "] " + name);
            } catch (FsException e) {
                p.out().out("xfs_io: FS_IOC_FSGETXATTR " + name + ": " + e.errno().message());
                p.setExitCode(1);
            }
            return;
        }
        try {
            f.setExtsize(size);
        } catch (FsException e) {
            p.out().out("xfs_io: FS_IOC_FSSETXATTR " + name + ": " + e.errno().message());
            p.setExitCode(1);
        }
    }
}
