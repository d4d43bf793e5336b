package dev.jdax.iomap;

import java.time.Instant;

/**
 * The clock {@code file_update_time} reads: Linux 6.1's {@code current_time} is the coarse wall
 * clock ({@code ktime_get_coarse_real_ts64}), advanced once per timer tick, so a write compares the
 * file's times with a value already in memory instead of asking the hardware. Here a daemon thread
 * advances it every {@link #TICK_MILLIS} milliseconds (HZ=250, the tick of Debian's kernels); a
 * write reads one field. The values are the wall clock's, truncated to the tick's start. The
 * personalities read it for every time a namespace operation or a setattr sets, as Linux's do
 * through the same {@code current_time}.
 */
public final class CoarseClock {
    /** Milliseconds per tick. */
    static final long TICK_MILLIS = 4;

    /**
     * The time at one tick, and the same truncated to the second (the granularity of ext2/ext4
     * here). A tick is a new object: one that is the same object as before means the clock did not
     * move, which a write checks with one comparison ({@link AddressSpace#written}).
     */
    record Now(Instant full, Instant seconds) {
        static Now read() {
            Instant t = Instant.now();
            return new Now(t, Instant.ofEpochSecond(t.getEpochSecond()));
        }

        /**
         * {@return this tick's time at {@code granularityNanos}} ({@code s_time_gran})
         *
         * @param granularityNanos 1 for nanoseconds, 1,000,000,000 for seconds, or between
         */
        Instant at(long granularityNanos) {
            if (granularityNanos <= 1) {
                return full;
            }
            if (granularityNanos >= 1_000_000_000L) {
                return seconds;
            }
            return Instant.ofEpochSecond(full.getEpochSecond(), full.getNano() / granularityNanos * granularityNanos);
        }
    }

    private static volatile Now now = Now.read();

    static {
        Thread.ofPlatform().daemon().name("jdax-coarse-clock").start(CoarseClock::tick);
    }

    private CoarseClock() {
    }

    private static void tick() {
        while (true) {
            try {
                Thread.sleep(TICK_MILLIS);
            } catch (InterruptedException e) {
                // nobody interrupts it on purpose; keep ticking
            }
            Now n = now;
            Instant t = Instant.now();
            now = t.getEpochSecond() == n.seconds().getEpochSecond() ? new Now(t, n.seconds())
                    : new Now(t, Instant.ofEpochSecond(t.getEpochSecond()));
        }
    }

    /**
     * The time at {@code granularityNanos} ({@code s_time_gran}), from the last tick.
     *
     * @param granularityNanos 1 for nanoseconds, 1,000,000,000 for seconds, or between
     * @return the time, truncated to the granularity
     */
    public static Instant now(long granularityNanos) {
        return now.at(granularityNanos);
    }

    /** {@return the last tick's time in whole seconds} (ext2's and ext4's inode times) */
    public static long seconds() {
        return now.seconds().getEpochSecond();
    }

    /** {@return the last tick} */
    static Now current() {
        return now;
    }
}
