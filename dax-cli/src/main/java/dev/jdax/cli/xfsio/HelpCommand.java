package dev.jdax.cli.xfsio;

import java.util.List;

/**
 * {@code help [command]}, as libxcmd's: every command's usage line in name order, or one command's.
 * jdax's commands have no extended help, so {@code help NAME} prints the usage line alone.
 */
final class HelpCommand extends NamedCommand {
    HelpCommand() {
        super("help", "?", "[command]", "help for one or all commands",
                Arguments.between(0, 1), ONE_SHOT | NO_FILE);
    }

    @Override
    public void run(XfsIoProcess p, List<String> argv) {
        if (argv.size() == 2) {
            XfsIoCommand c = XfsIoProcess.command(argv.get(1));
            p.out().out(c == null ? "command " + argv.get(1) + " not found" : line(argv.get(1), c));
            return;
        }
        for (String name : XfsIoProcess.commandNames()) {
            p.out().out(line(name, XfsIoProcess.command(name)));
        }
        p.out().out("");
        p.out().out("Use 'help commandname' for extended help.");
    }

    /** {@code NAME ARGS -- ONELINE} under the name asked for (an alternative name too), the args left out when a command takes none. */
    private static String line(String name, XfsIoCommand c) {
        return name + (c.args().isEmpty() ? "" : " " + c.args()) + " -- " + c.oneline();
    }
}
