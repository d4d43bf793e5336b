package dev.jdax.cli.xfsio;

/**
 * A command whose name, short name, usage and one-line summary are fixed values (libxcmd's
 * {@code cmdinfo_t} fields), so that a command class holds only what it does.
 */
abstract class NamedCommand implements XfsIoCommand {
    private final String name;
    private final String altname;
    private final String args;
    private final String oneline;

    NamedCommand(String name, String altname, String args, String oneline) {
        this.name = name;
        this.altname = altname;
        this.args = args;
        this.oneline = oneline;
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
