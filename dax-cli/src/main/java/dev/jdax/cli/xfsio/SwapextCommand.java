package dev.jdax.cli.xfsio;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.api.fs.XfsBulkstat;

import java.util.List;

/**
 * {@code swapext <donorfile>} (io/swapext.c, xfsprogs 6.1), XFS only: XFS_IOC_SWAPEXT between the
 * open file and the donor, which xfs_io opens read-write (a directory read-only, as openfile()
 * retries it), with the open file's size and its times as bulkstat reads them. Every failure is a
 * line and no exit code: the donor's open ({@code "NAME: strerror"}), bulkstat's, the ioctl's
 * ({@code "swapext: strerror"}). Like most commands it runs once for each open file.
 */
final class SwapextCommand extends NamedCommand {
    SwapextCommand() {
        super("swapext", null, "<donorfile>", "Swap extents between files.", Arguments.exactly(1), XFS_ONLY);
    }

    @Override
    public void run(XfsIoProcess p, List<String> argv) {
        String name = argv.get(1);
        OpenFile donor;
        try {
            donor = openDonor(p, name);
        } catch (FsException e) {
            p.out().err(name + ": " + e.errno().message());
            return;
        }
        try (donor) {
            OpenFile target = p.file().handle();
            long size;
            XfsBulkstat stat;
            try {
                size = target.stat().size();
            } catch (FsException e) {
                p.out().err("fstat: " + e.errno().message());
                return;
            }
            try {
                stat = p.fs().xfsBulkstat(target.ino());
            } catch (FsException e) {
                p.out().err("bulkstat: " + e.errno().message());
                return;
            }
            try {
                target.swapExtents(donor, 0, size, stat.ctime(), stat.mtime());
            } catch (FsException e) {
                p.out().err("swapext: " + e.errno().message());
            }
        } catch (FsException e) {
            p.out().err("close: " + e.errno().message());
        }
    }

    /** openfile(NAME, NULL, 0, 0, NULL): read-write, a directory read-only. */
    private static OpenFile openDonor(XfsIoProcess p, String name) throws FsException {
        String path = p.pathInFileSystem(name);
        try {
            return p.fs().open(path, OpenFlags.O_RDWR);
        } catch (FsException e) {
            if (e.errno() != Errno.EISDIR) {
                throw e;
            }
            return p.fs().open(path, OpenFlags.O_RDONLY);
        }
    }
}
