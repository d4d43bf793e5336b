package dev.jdax.cli.xfsio;

import dev.jdax.api.FsException;

import java.util.List;

/** One xfs_io command: its name, its usage line, and what it does to a process. */
interface XfsIoCommand {
    String name();

    /** Its short name ({@code r} for pread: libxcmd's {@code altname}), or null. */
    default String altname() {
        return null;
    }

    /** The arguments part of the usage line ({@code "[-v] [off [len]]"}). */
    String args();

    /** What it does, in one line (xfs_io's {@code oneline}). */
    String oneline();

    /** Whether only jdax has it (Linux's xfs_io answers {@code command "NAME" not found}). */
    default boolean jdaxOnly() {
        return false;
    }

    /**
     * Whether it runs once, on the current file ({@code CMD_FLAG_ONESHOT}): xfs_io runs every other
     * command given with {@code -c} on each open file in turn (libxcmd's {@code iterate_command}).
     */
    default boolean oneShot() {
        return false;
    }

    /**
     * Whether xfs_io refuses it on a file of another file system (no {@code CMD_FOREIGN_OK}): it
     * prints {@code foreign file active, NAME command is for XFS filesystems only} before it looks
     * at the arguments.
     */
    default boolean xfsOnly() {
        return false;
    }

    /**
     * How many arguments libxcmd requires before it runs the command, or {@link Arguments#ANY} where
     * the command checks them itself (getopt and its usage).
     */
    default Arguments arguments() {
        return Arguments.ANY;
    }

    /** Whether it needs an open file (most do). */
    default boolean needsFile() {
        return true;
    }

    /**
     * Runs with {@code argv[0]} the command name. Errors the command reports itself (as xfs_io's
     * {@code perror}) are printed by it; an {@link FsException} escaping is printed as
     * {@code "NAME: message"}.
     */
    void run(XfsIoProcess p, List<String> argv) throws FsException;
}
