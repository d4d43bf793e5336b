package dev.jdax.cli.xfsio;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * {@code label [-s label | -c]} (io/label.c, xfsprogs 6.1): the file system's label through
 * FS_IOC_GETFSLABEL, or a new one through FS_IOC_SETFSLABEL, on any file system that has the
 * ioctls (XFS and ext4; fs/ext2 answers ENOTTY). The last of several {@code -s} and {@code -c}
 * wins; what is printed after a change is the label asked for, not read back.
 */
final class LabelCommand extends NamedCommand {
    /** FSLABEL_MAX: the longest label the ioctl's buffer carries; xfs_io refuses a longer one itself. */
    private static final int FSLABEL_MAX = 256;

    LabelCommand() {
        super("label", null, "[-s label|-c]", "query, set, or clear the filesystem label while mounted",
                Arguments.between(0, 3), 0);
    }

    @Override
    public void run(XfsIoProcess p, List<String> argv) {
        if (argv.size() == 1) {
            try {
                print(p, p.fs().label());
            } catch (FsException e) {
                p.perror("label", e);
            }
            return;
        }
        byte[] label = new byte[0];
        GetOpt g = p.getopt(argv, "cs:");
        for (int c; (c = g.next()) != -1; ) {
            switch (c) {
                case 'c' -> label = new byte[0];
                case 's' -> label = g.optarg().getBytes(StandardCharsets.UTF_8);
                default -> {
                    p.usage(this);
                    return;
                }
            }
        }
        if (g.optind() != argv.size()) {
            p.usage(this);
            return;
        }
        if (label.length > FSLABEL_MAX) {
            p.perror("label", new FsException(Errno.EINVAL, "label: longer than FSLABEL_MAX"));
            return;
        }
        try {
            p.fs().setLabel(label);
            print(p, label);
        } catch (FsException e) {
            p.perror("label", e);
        }
    }

    private static void print(XfsIoProcess p, byte[] label) {
        p.out().out("label = \"" + new String(label, StandardCharsets.UTF_8) + "\"");
    }
}
