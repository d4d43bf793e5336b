package dev.jdax.iomap;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * When relatime's day-old clause comes due for files kept open. An open file whose access time is
 * after its other times stops asking the atime rule, so its reads load nothing for access times;
 * Linux asks {@code relatime_need_update} at every read and writes the time again once it is a day
 * old, so a file held open and read for days gets a new access time each day. One daemon thread
 * makes such files ask again at that second: a wake-up per address space with open files that
 * stopped asking, cancelled when the last of them closes, so the timer holds only files in use.
 */
final class DayOldWakeups {
    /**
     * Past the second itself: the coarse clock a read compares with lags the wall clock by up to a
     * tick, and a read that still found the time less than a day old would only settle again.
     */
    private static final long SLACK_MILLIS = 2 * CoarseClock.TICK_MILLIS;

    private static final ScheduledThreadPoolExecutor TIMER = timer();

    private DayOldWakeups() {
    }

    private static ScheduledThreadPoolExecutor timer() {
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1,
                r -> Thread.ofPlatform().daemon().name("jdax-atime-day-old").unstarted(r));
        t.setRemoveOnCancelPolicy(true); // a closed file's wake-up leaves the queue, not a day later
        return t;
    }

    /**
     * {@return the wake-up that runs {@code ask} at epoch second {@code at}} (at once when it has passed)
     *
     * @param at  the wall clock's second
     * @param ask what makes the files ask again
     */
    static ScheduledFuture<?> at(long at, Runnable ask) {
        long delay = Math.max(0, at * 1000 - System.currentTimeMillis() + SLACK_MILLIS);
        return TIMER.schedule(ask, delay, TimeUnit.MILLISECONDS);
    }

    /** {@return how many wake-ups wait} (for tests) */
    static int waiting() {
        return TIMER.getQueue().size();
    }
}
