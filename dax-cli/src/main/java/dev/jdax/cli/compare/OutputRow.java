package dev.jdax.cli.compare;

import java.util.List;

/**
 * A row of a scenario's output: what one command printed, or how one harness process ended
 * ({@code exit N}, {@code Bus error}; empty when it exited 0).
 *
 * @param key     {@code "#3"} for the third command, {@code "$3"} for the process ended by the
 *                {@code badblock} at command 3, {@code "$end"} for the last process, {@code "mount"}
 *                for the mount of a scenario that measures it (empty when it mounted)
 * @param command the command line, or a description of the process end
 */
public record OutputRow(String key, String command, List<String> lines) {
    public OutputRow {
        lines = List.copyOf(lines);
    }

    public static final String MOUNT_KEY = "mount";

    public static String commandKey(int index) {
        return "#" + (index + 1);
    }

    public static String processEndKey(int badblockIndex) {
        return badblockIndex < 0 ? "$end" : "$" + (badblockIndex + 1);
    }

    public boolean isProcessEnd() {
        return key.startsWith("$");
    }
}
