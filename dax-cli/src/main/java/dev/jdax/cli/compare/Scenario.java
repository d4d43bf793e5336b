package dev.jdax.cli.compare;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One scenario: an xfs_io script in the reference's format. Comment lines before the first
 * command describe it; headers {@code # fs-size: 320m}, {@code # open-flags: -d} and
 * {@code # mount-options: none|OPTS} set it up, and {@code # mke2fs: ARGS} has the real mke2fs make
 * the file system ({@code mke2fs -F -q -b 4096 ARGS DEV BLOCKS}, ARGS naming the type with
 * {@code -t}) where jdax's mkfs makes only mke2fs.conf's default ext4; then one command per line.
 *
 * @param mountOptions {@code null} for the configuration's DAX mount, {@code "none"} for no
 *                     options at all, else the options to mount with instead of {@code dax}
 * @param mke2fs       the arguments of the real mke2fs that makes the file system, or {@code null}
 *                     for the personality's own mkfs
 */
public record Scenario(String name, String description, long fsSize, String openFlags, String mountOptions,
                       String mke2fs, List<String> commands, String source) {
    public Scenario {
        commands = List.copyOf(commands);
    }

    /** Parses a script; {@code name} is the file name without {@code .xfsio}. */
    public static Scenario parse(String name, String text, String source) throws FsException {
        StringBuilder description = new StringBuilder();
        long fsSize = -1;
        String openFlags = "";
        String mountOptions = null;
        String mke2fs = null;
        List<String> commands = new ArrayList<>();
        int lineNo = 0;
        for (String raw : text.split("\n")) {
            lineNo++;
            String line = raw.strip();
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("#")) {
                String body = line.substring(1).strip();
                int colon = body.indexOf(':');
                String key = colon < 0 ? "" : body.substring(0, colon).strip().toLowerCase(Locale.ROOT);
                String value = colon < 0 ? "" : body.substring(colon + 1).strip();
                switch (key) {
                    case "fs-size" -> fsSize = parseSize(name, lineNo, value);
                    case "open-flags" -> openFlags = value;
                    case "mount-options" -> mountOptions = value;
                    case "mke2fs" -> mke2fs = value;
                    default -> {
                        if (commands.isEmpty()) {
                            description.append(description.isEmpty() ? "" : " ").append(body);
                        }
                    }
                }
                continue;
            }
            commands.add(line);
        }
        if (fsSize <= 0) {
            throw FsException.of(Errno.EINVAL, "scenario %s: no \"# fs-size:\" header", name);
        }
        if (commands.isEmpty()) {
            throw FsException.of(Errno.EINVAL, "scenario %s: no commands", name);
        }
        return new Scenario(name, description.toString(), fsSize, openFlags, mountOptions, mke2fs, commands, source);
    }

    private static long parseSize(String name, int lineNo, String value) throws FsException {
        String v = value.toLowerCase(Locale.ROOT);
        long unit = 1;
        char last = v.isEmpty() ? ' ' : v.charAt(v.length() - 1);
        switch (last) {
            case 'k' -> unit = 1L << 10;
            case 'm' -> unit = 1L << 20;
            case 'g' -> unit = 1L << 30;
            default -> { }
        }
        try {
            long n = Long.parseLong(unit == 1 ? v : v.substring(0, v.length() - 1));
            return Math.multiplyExact(n, unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw FsException.of(Errno.EINVAL, "scenario %s line %d: fs-size \"%s\" is not a size like 320m", name,
                    lineNo, value);
        }
    }

    /** The size as the header wrote it, for people ({@code 320m}). */
    public String fsSizeText() {
        return fsSize % (1L << 30) == 0 ? fsSize / (1L << 30) + "g"
                : fsSize % (1L << 20) == 0 ? fsSize / (1L << 20) + "m" : Long.toString(fsSize);
    }

    /** Whether command {@code i} (0-based) is the jdax-only {@code badblock}, which ends a harness process. */
    public boolean isBadblock(int i) {
        String c = commands.get(i);
        return c.equals("badblock") || c.startsWith("badblock ");
    }

    /**
     * Whether the scenario runs on a personality of {@code type}: one whose image mke2fs makes is
     * mounted as ext4, as Linux's ext4 driver mounts ext3 and ext4 images.
     */
    public boolean appliesTo(String type) {
        return mke2fs == null || type.equals("ext4");
    }

    /**
     * Whether the mount is part of what the scenario measures (its first row): the file systems
     * mke2fs makes with other features are where Linux refuses some mounts.
     */
    public boolean recordsMount() {
        return mke2fs != null;
    }
}
