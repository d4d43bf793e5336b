package dev.jdax.cli.xfsio;

/**
 * How many arguments libxcmd lets through to a command ({@code cmdinfo_t}'s argmin and argmax,
 * {@code max} -1 for no limit), and the message it prints for another count.
 */
record Arguments(int min, int max) {
    /** A command that looks at its arguments itself (getopt and its usage). */
    static final Arguments ANY = new Arguments(0, -1);

    static Arguments exactly(int n) {
        return new Arguments(n, n);
    }

    static Arguments atLeast(int n) {
        return new Arguments(n, -1);
    }

    static Arguments between(int min, int max) {
        return new Arguments(min, max);
    }

    boolean allows(int count) {
        return count >= min && (max == -1 || count <= max);
    }

    /** libxcmd's {@code bad argument count N to TYPED, expected ...} for {@code count} arguments to {@code typed}. */
    String refusal(int count, String typed) {
        String expected = max == -1 ? "at least " + min : min == max ? Integer.toString(min) : "between " + min + " and " + max;
        return "bad argument count " + count + " to " + typed + ", expected " + expected + " arguments";
    }
}
