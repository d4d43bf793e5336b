package dev.jdax.cli.xfsio;

/**
 * A command whose name, short name, usage, one-line summary, argument count and flags are fixed
 * values (libxcmd's {@code cmdinfo_t} fields), so that a command class holds only what it does.
 */
abstract class NamedCommand implements XfsIoCommand {
    /** {@code CMD_FLAG_ONESHOT}: once, on the current file. */
    static final int ONE_SHOT = 1;
    /** {@code CMD_NOFILE_OK}: runs with no file open. */
    static final int NO_FILE = 2;
    /** No {@code CMD_FOREIGN_OK}: refused on a file of another file system. */
    static final int XFS_ONLY = 4;

    private final String name;
    private final String altname;
    private final String args;
    private final String oneline;
    private final Arguments arguments;
    private final int flags;

    /**
     * @param arguments the argument count libxcmd requires
     * @param flags     {@link #ONE_SHOT}, {@link #NO_FILE}, {@link #XFS_ONLY}, or'ed
     */
    NamedCommand(String name, String altname, String args, String oneline, Arguments arguments, int flags) {
        this.name = name;
        this.altname = altname;
        this.args = args;
        this.oneline = oneline;
        this.arguments = arguments;
        this.flags = flags;
    }

    @Override
    public final Arguments arguments() {
        return arguments;
    }

    @Override
    public final boolean oneShot() {
        return (flags & ONE_SHOT) != 0;
    }

    @Override
    public final boolean needsFile() {
        return (flags & NO_FILE) == 0;
    }

    @Override
    public final boolean xfsOnly() {
        return (flags & XFS_ONLY) != 0;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final String altname() {
        return altname;
    }

    @Override
    public final String args() {
        return args;
    }

    @Override
    public final String oneline() {
        return oneline;
    }
}
