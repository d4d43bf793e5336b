package dev.jdax.cli.stress;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs the workers and watches them: a progress line on a terminal, and when no operation has
 * finished for the stall time, a deadlock report with every thread's stack (the workers are
 * daemon threads, so the command can still exit).
 */
final class Watchdog {
    private final List<StressWorker> workers;
    private final AtomicLong progress;
    private final long total;
    private final int stallSeconds;

    Watchdog(List<StressWorker> workers, AtomicLong progress, long total, int stallSeconds) {
        this.workers = workers;
        this.progress = progress;
        this.total = total;
        this.stallSeconds = stallSeconds;
    }

    /** {@return null when every worker ended, else the deadlock report} */
    String run() throws InterruptedException {
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < workers.size(); i++) {
            Thread t = new Thread(workers.get(i), "stress-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        boolean tty = System.console() != null;
        long last = -1;
        long stalledSince = System.nanoTime();
        while (threads.stream().anyMatch(Thread::isAlive)) {
            for (Thread t : threads) {
                t.join(1000);
                break;
            }
            long now = progress.get();
            if (now != last) {
                last = now;
                stalledSince = System.nanoTime();
            } else if (System.nanoTime() - stalledSince > stallSeconds * 1_000_000_000L) {
                return dump(threads);
            }
            if (tty) {
                System.err.printf("\rstress: %d/%d operations", now, total);
            }
        }
        if (tty) {
            System.err.print("\r\033[K");
        }
        return null;
    }

    private String dump(List<Thread> threads) {
        StringBuilder sb = new StringBuilder("stress: no operation finished for " + stallSeconds + " s; the threads:\n");
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            if (!threads.contains(e.getKey()) && !e.getKey().getName().startsWith("jbd2")) {
                continue;
            }
            sb.append("  \"").append(e.getKey().getName()).append("\" ").append(e.getKey().getState()).append('\n');
            for (StackTraceElement f : e.getValue()) {
                sb.append("      at ").append(f).append('\n');
            }
        }
        return sb.toString();
    }
}
