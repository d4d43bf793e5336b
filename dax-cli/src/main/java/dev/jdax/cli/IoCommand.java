package dev.jdax.cli;

import dev.jdax.api.FsException;
import dev.jdax.cli.xfsio.XfsIoOutput;
import dev.jdax.cli.xfsio.XfsIoProcess;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code jdax io}: xfs_io's commands on a file inside an image, printing xfs_io's own lines. The
 * image is mounted for the run and unmounted cleanly after; an emulated SIGBUS ends the run with
 * {@code Bus error} and status 135, as a shell reports a process killed by SIGBUS.
 */
@Command(name = "io", mixinStandardHelpOptions = true,
        header = "xfs_io-style commands on a file inside an image (IMAGE:/path).",
        description = {"Runs xfs_io-style commands (one -c each) on a file inside an image and prints xfs_io's "
                + "output lines; '-c help' lists the commands. jdax adds 'badblock OFF LEN' (poison the sectors "
                + "under that file range, kept in IMAGE.badblocks), 'badblocks' (list the file's bad ranges) "
                + "and 'counters' (the engine's counters of the mount)."},
        footer = {"",
                "Exit status: 0; 1 when a command failed (as xfs_io); 135 after Bus error; 139 after "
                + "Segmentation fault."})
final class IoCommand implements Callable<Integer> {
    static final int BUS_ERROR_STATUS = 128 + 7;
    static final int SEGV_STATUS = 128 + 11;

    @Option(names = "-o", paramLabel = "OPTS", description = "Mount options (e.g. dax=never, dioread_nolock, noatime, strictatime, lazytime, media_errors=direct_io_bypass).")
    String options = "";

    @Option(names = "-c", paramLabel = "CMD", description = "An xfs_io command; repeatable, run in order.")
    List<String> commands = new ArrayList<>();

    @Option(names = "-f", description = "Create the file if it does not exist (mode 0600, as xfs_io).")
    boolean create;

    @Option(names = "-d", description = "Open with O_DIRECT.")
    boolean direct;

    @Option(names = "-t", description = "Truncate the file on open (O_TRUNC).")
    boolean truncate;

    @Option(names = "-r", description = "Open read-only.")
    boolean readOnly;

    @Parameters(paramLabel = "IMAGE:/path", description = "The file, inside the image.")
    String target;

    @Override
    public Integer call() throws FsException {
        ImageRef ref = ImageRef.parse(target);
        try (ImageSession session = ImageSession.mount(ref.image(), options)) {
            XfsIoProcess p = new XfsIoProcess(session.fs(), new ConsoleOutput());
            p.setMountPrefix(ref.image() + ":");
            try {
                p.open(ref.path(), target, XfsIoProcess.openFlags(openFlags()));
            } catch (FsException e) {
                throw ref.naming(target, e);
            }
            commands:
            for (String c : commands) {
                switch (p.execute(c)) {
                    case BUS_ERROR -> {
                        System.out.flush();
                        System.err.println("Bus error");
                        p.close();
                        return BUS_ERROR_STATUS;
                    }
                    case SEGMENTATION_FAULT -> {
                        System.out.flush();
                        System.err.println("Segmentation fault");
                        p.close();
                        return SEGV_STATUS;
                    }
                    case STOPPED -> {
                        break commands;
                    }
                    case CONTINUE -> {
                    }
                }
            }
            p.close();
            return p.exitCode();
        }
    }

    private String openFlags() {
        StringBuilder sb = new StringBuilder();
        if (create) {
            sb.append(" -f");
        }
        if (direct) {
            sb.append(" -d");
        }
        if (truncate) {
            sb.append(" -t");
        }
        if (readOnly) {
            sb.append(" -r");
        }
        return sb.toString().strip();
    }

    /** Standard output and standard error, each flushed before the other is written so they interleave as printed. */
    private static final class ConsoleOutput implements XfsIoOutput {
        @Override
        public void out(String line) {
            System.err.flush();
            System.out.println(line);
        }

        @Override
        public void err(String line) {
            System.out.flush();
            System.err.println(line);
        }
    }
}
