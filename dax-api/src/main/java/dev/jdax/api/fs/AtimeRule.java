package dev.jdax.api.fs;

import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * When an access updates an inode's access time: a mount's atime options as Linux's VFS keeps them
 * ({@code MNT_NOATIME}, {@code MNT_RELATIME}, {@code MNT_NODIRATIME}) and the test
 * {@code atime_needs_update} makes of them. The inode's own refusals (chattr +A, a read-only mount,
 * O_NOATIME) are the caller's: this rule is the mount's part only.
 *
 * @param mode       which accesses write the time
 * @param nodiratime whether directories' access times stay as they are
 */
public record AtimeRule(Mode mode, boolean nodiratime) {
    /** The mount options that set the rule; every personality takes them, as Linux's VFS reads them, not the format. */
    public static final Set<String> OPTIONS = Set.of("atime", "noatime", "relatime", "norelatime", "strictatime",
            "nostrictatime", "diratime", "nodiratime");

    /** A mount with none of the options: relatime, Linux's default since 2.6.30. */
    public static final AtimeRule DEFAULT = new AtimeRule(Mode.RELATIME, false);

    /** relatime's bound in seconds: an access time a day old is written again whatever the other times say. */
    private static final long DAY_SECONDS = 24 * 60 * 60;

    /** Which accesses write the access time. */
    public enum Mode {
        /** None. */
        NOATIME,
        /** Those that find it not after the modification or change time, or a day old. */
        RELATIME,
        /** Every one at a new time. */
        STRICTATIME
    }

    /**
     * The rule {@code options} give, as path_mount makes the mount flags: relatime unless noatime;
     * strictatime clears both noatime and relatime. Later options override earlier ones, as mount(8)
     * folds them; norelatime only clears MS_RELATIME, which the kernel never reads for a new mount, so
     * it leaves relatime (strictatime is how a mount gets every access written).
     *
     * @param options the mount options
     * @return the rule
     */
    public static AtimeRule of(MountOptions options) {
        boolean noatime = false;
        boolean strict = false;
        boolean nodiratime = false;
        for (Map.Entry<String, String> o : options.asMap().entrySet()) {
            switch (o.getKey()) {
                case "noatime" -> noatime = true;
                case "atime" -> noatime = false;
                case "strictatime" -> strict = true;
                case "nostrictatime" -> strict = false;
                case "nodiratime" -> nodiratime = true;
                case "diratime" -> nodiratime = false;
                default -> {
                }
            }
        }
        Mode mode = strict ? Mode.STRICTATIME : noatime ? Mode.NOATIME : Mode.RELATIME;
        return new AtimeRule(mode, nodiratime);
    }

    /**
     * The rule a mount's accesses follow: {@code options}' one, or null where no access writes a
     * time (noatime, a read-only mount, whether asked or made so by the format).
     *
     * @param options  the mount options
     * @param readOnly whether the mount is read-only
     * @return the rule, or null
     */
    public static AtimeRule writing(MountOptions options, boolean readOnly) {
        AtimeRule r = of(options);
        return readOnly || r.mode == Mode.NOATIME ? null : r;
    }

    /**
     * {@return whether no access can need the time written before mtime or ctime changes}, the
     * day-old clause aside: relatime with the access time after both
     *
     * @param atime the access time
     * @param mtime the modification time
     * @param ctime the change time
     */
    public boolean settled(Instant atime, Instant mtime, Instant ctime) {
        return mode == Mode.RELATIME && atime.isAfter(mtime) && atime.isAfter(ctime);
    }

    /**
     * {@return the epoch second from which an access writes the time again though it is
     * {@linkplain #settled settled}}: relatime's day-old clause for access time {@code atime}
     *
     * @param atime the access time
     */
    public long dayOldAt(Instant atime) {
        return atime.getEpochSecond() + DAY_SECONDS;
    }

    /** {@return the {@code ST_*} bits statfs reports for the rule} ({@code calculate_f_flags}) */
    public long statfsFlags() {
        return switch (mode) {
            case NOATIME -> StatFs.ST_NOATIME;
            case RELATIME -> StatFs.ST_RELATIME;
            case STRICTATIME -> 0;
        } | (nodiratime ? StatFs.ST_NODIRATIME : 0);
    }

    /**
     * {@code atime_needs_update} for the mount's part: whether an access at {@code now} writes the
     * access time.
     *
     * @param directory whether the inode is a directory
     * @param atime     its access time
     * @param mtime     its modification time
     * @param ctime     its change time
     * @param now       the time now, at the format's granularity
     * @return true to write {@code now} as the access time
     */
    public boolean needsUpdate(boolean directory, Instant atime, Instant mtime, Instant ctime, Instant now) {
        if (mode == Mode.NOATIME || (directory && nodiratime)) {
            return false;
        }
        if (settled(atime, mtime, ctime) && now.getEpochSecond() - atime.getEpochSecond() < DAY_SECONDS) {
            return false;
        }
        return !atime.equals(now);
    }
}
