package dev.jdax.iomap;

import java.time.Instant;
import java.util.concurrent.locks.LockSupport;

/**
 * The clock {@code file_update_time} reads: Linux 6.1's {@code current_time} is the coarse wall
 * clock ({@code ktime_get_coarse_real_ts64}), advanced once per timer tick, so a write compares the
 * file's times with a value already in memory instead of asking the hardware. Here a daemon thread
 * advances it every {@link #TICK_MILLIS} milliseconds (HZ=250, the tick of Debian's kernels); a
 * write reads what the last tick left. The values are the wall clock's, truncated to the tick's start. The
 * personalities read it for every time a namespace operation or a setattr sets, as Linux's do
 * through the same {@code current_time}.
 *
 * <p>Unlike the kernel's tick, this one sleeps when nobody reads the clock: after
 * {@link #IDLE_TICKS} ticks without a read the thread parks (a tick costs about 27 us of CPU here,
 * 0.7% of a CPU for a process that mounted nothing for hours), and the first read after that takes
 * the time itself and wakes it. Readers mark the clock read once per tick, so a read is two loads.
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

    /** Ticks without a read after which the thread parks: a second. */
    static final int IDLE_TICKS = 250;

    private static volatile Now now = Now.read();
    /** Whether the clock was read since the last tick (set by the first reader after each tick). */
    private static volatile boolean read;
    /** Whether the ticking thread parks, or is about to, until a reader wakes it. */
    private static volatile boolean sleeping;

    private static final Thread TICKER = Thread.ofPlatform().daemon().name("jdax-coarse-clock").start(CoarseClock::tick);

    private CoarseClock() {
    }

    private static void tick() {
        int idle = 0;
        while (true) {
            try {
                Thread.sleep(TICK_MILLIS);
            } catch (InterruptedException e) {
                // nobody interrupts it on purpose; keep ticking
            }
            idle = read ? 0 : idle + 1;
            read = false;
            if (idle >= IDLE_TICKS) {
                sleepUntilRead();
                idle = 0;
            }
            now = next(now);
        }
    }

    /**
     * Parks until a reader marks the clock read. The reader sets {@code read} and then looks at
     * {@code sleeping}; this thread sets {@code sleeping} and then looks at {@code read}: one of the
     * two sees the other's write, so either this thread does not park or the reader wakes it.
     */
    private static void sleepUntilRead() {
        sleeping = true;
        while (!read) {
            LockSupport.park();
        }
        sleeping = false;
    }

    private static Now next(Now n) {
        Instant t = Instant.now();
        return t.getEpochSecond() == n.seconds().getEpochSecond() ? new Now(t, n.seconds())
                : new Now(t, Instant.ofEpochSecond(t.getEpochSecond()));
    }

    /** The first read since a tick: marks the clock read; if the ticker sleeps, takes the time and wakes it. */
    private static Now firstRead() {
        read = true;
        if (sleeping) {
            Now n = next(now);
            now = n;
            LockSupport.unpark(TICKER);
            return n;
        }
        return now;
    }

    /** {@return whether the ticking thread has stopped for want of readers} (for tests) */
    static boolean asleep() {
        return sleeping && TICKER.getState() == Thread.State.WAITING;
    }

    /**
     * The time at {@code granularityNanos} ({@code s_time_gran}), from the last tick.
     *
     * @param granularityNanos 1 for nanoseconds, 1,000,000,000 for seconds, or between
     * @return the time, truncated to the granularity
     */
    public static Instant now(long granularityNanos) {
        return current().at(granularityNanos);
    }

    /** {@return the last tick's time in whole seconds} (ext2's and ext4's inode times) */
    public static long seconds() {
        return current().seconds().getEpochSecond();
    }

    /** {@return the last tick} */
    static Now current() {
        return read ? now : firstRead();
    }
}
