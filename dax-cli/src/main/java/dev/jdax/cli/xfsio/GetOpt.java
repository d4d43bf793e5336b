package dev.jdax.cli.xfsio;

import java.util.List;

/**
 * POSIX {@code getopt} over one command's arguments, as xfs_io's commands use it: clustered flags
 * ({@code -rw}), option arguments attached or separate ({@code -S0x5a}, {@code -S 0x5a}), {@code --}
 * ends options. {@link #next()} returns the option character, {@code '?'} for an unknown one or a
 * missing argument (saying so on stderr, as glibc's getopt does, under the command's name), and -1
 * when the options end; {@link #optind()} then indexes the operands.
 */
final class GetOpt {
    private final List<String> argv;
    private final String spec;
    private final XfsIoOutput err;
    private int optind = 1;
    private int charIndex = 1;
    private String optarg;

    GetOpt(List<String> argv, String spec, XfsIoOutput err) {
        this.argv = argv;
        this.spec = spec;
        this.err = err;
    }

    int next() {
        optarg = null;
        if (optind >= argv.size()) {
            return -1;
        }
        String arg = argv.get(optind);
        if (charIndex == 1) {
            if (arg.equals("--")) {
                optind++;
                return -1;
            }
            if (arg.length() < 2 || arg.charAt(0) != '-') {
                return -1;
            }
        }
        char c = arg.charAt(charIndex);
        int at = spec.indexOf(c);
        boolean takesArg = at >= 0 && at + 1 < spec.length() && spec.charAt(at + 1) == ':';
        if (at < 0 || c == ':') {
            advance(arg);
            err.err(argv.get(0) + ": invalid option -- '" + c + "'");
            return '?';
        }
        if (!takesArg) {
            advance(arg);
            return c;
        }
        if (charIndex + 1 < arg.length()) {
            optarg = arg.substring(charIndex + 1);
            optind++;
        } else if (optind + 1 < argv.size()) {
            optarg = argv.get(optind + 1);
            optind += 2;
        } else {
            optind++;
            charIndex = 1;
            err.err(argv.get(0) + ": option requires an argument -- '" + c + "'");
            return '?';
        }
        charIndex = 1;
        return c;
    }

    private void advance(String arg) {
        if (++charIndex >= arg.length()) {
            charIndex = 1;
            optind++;
        }
    }

    String optarg() {
        return optarg;
    }

    int optind() {
        return optind;
    }

    /** Operands left after the options. */
    List<String> operands() {
        return argv.subList(Math.min(optind, argv.size()), argv.size());
    }
}
