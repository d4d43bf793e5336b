package dev.jdax.cli;

import dev.jdax.api.FsException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code jdax}: compare ext2, ext4 and XFS under DAX, and work with their images.
 * Errors print as {@code jdax: COMMAND: MESSAGE (ERRNO)} with status 1; usage errors status 2.
 */
@Command(name = "jdax",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {"A Java reference implementation of Linux DAX: ext2, ext4 and XFS on "
                + "persistent memory in their real on-disk formats, compared side by side and "
                + "against Linux 6.1."},
        subcommands = {
                CommandLine.HelpCommand.class,
                CompareCommand.class,
                IoCommand.class,
                InfoCommand.class,
                BadblocksCommand.class,
                MkfsCommand.class,
                LsCommand.class,
                CatCommand.class,
                CpCommand.class,
                MkdirCommand.class,
                MknodCommand.class,
                RmCommand.class,
                MvCommand.class,
                StatCommand.class,
                dev.jdax.cli.fsx.FsxCommand.class,
                dev.jdax.cli.corrupt.CorruptCommand.class,
                dev.jdax.cli.crash.CrashCommand.class,
                dev.jdax.cli.media.MediaCommand.class,
                dev.jdax.cli.race.RaceCommand.class,
                dev.jdax.cli.stress.StressCommand.class,
        })
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit status (tests call this). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler(Main::onError);
        cl.setParameterExceptionHandler(Main::onUsageError);
        return cl.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    private static int onError(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        String cmd = cl.getCommandName();
        if (e instanceof FsException fe) {
            System.err.println("jdax: " + cmd + ": " + fe.describe());
            return 1;
        }
        if (e instanceof java.io.IOException io) {
            System.err.println("jdax: " + cmd + ": " + io.getMessage() + " (EIO)");
            return 1;
        }
        // A bug, not a user error: say so, with the trace, so it can be reported.
        System.err.println("jdax: " + cmd + ": internal error: " + e);
        e.printStackTrace(System.err);
        return 70;
    }

    private static int onUsageError(CommandLine.ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        boolean top = cl.getParent() == null;
        System.err.println("jdax: " + (top ? "" : cl.getCommandName() + ": ") + e.getMessage());
        System.err.println("usage: " + cl.getHelp().synopsis(0).strip());
        System.err.println("Try 'jdax " + (top ? "" : cl.getCommandName() + " ") + "--help'.");
        return 2;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"jdax " + (v == null ? "(development build)" : v),
                    "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")"};
        }
    }
}
