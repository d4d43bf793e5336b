package dev.jdax.cli.race;

import dev.jdax.vfs.Vfs;
import dev.jdax.api.DaxDevice;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.FileSystemType;
import dev.jdax.api.fs.FileSystemTypes;
import dev.jdax.api.fs.MkfsOptions;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.pmem.PmemDevices;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code jdax race}: writers fill one 64 KiB range of a file with one byte value per write while
 * readers read it whole; a read holding two values saw a write half done (torn). Under the inode
 * rwsem, the XFS IOLOCK and the range lock no read may be torn; under dioread_nolock (the 2016
 * seed's model) they may be, and the campaign counts them.
 */
@Command(name = "race", mixinStandardHelpOptions = true,
        header = "Concurrent writers and readers on one range, checked for torn reads per locking model.",
        description = {"Writers fill one 64 KiB range with one byte value per write while readers read it whole; "
                + "a read holding two values is torn. Forbidden under inode_rwsem, xfs and range locking; "
                + "counted under dioread_nolock. Runs every locking model unless --locking names one."},
        footer = {"", "Exit status: 0 when no model showed a torn read it forbids, 1 otherwise."})
public final class RaceCommand implements Callable<Integer> {
    private static final int RANGE = 64 * 1024;

    @Option(names = "-t", required = true, paramLabel = "TYPE", description = "The personality.")
    String type;

    @Option(names = "--locking", paramLabel = "MODEL", description = "inode_rwsem, dioread_nolock, xfs or range (default: all).")
    String locking;

    @Option(names = "--ops", paramLabel = "N", description = "Reads per reader (default: ${DEFAULT-VALUE}).")
    int ops = 20_000;

    @Option(names = "--threads", paramLabel = "N", description = "Writers, and as many readers (default: ${DEFAULT-VALUE}).")
    int threads = 2;

    @Override
    public Integer call() throws Exception {
        FileSystemType t = FileSystemTypes.byName(type);
        List<String> models = locking == null ? List.of("inode_rwsem", "dioread_nolock", "xfs", "range") : List.of(locking);
        int bad = 0;
        for (String model : models) {
            long[] r = run(t, model);
            boolean allowed = model.equals("dioread_nolock");
            if (!allowed && r[1] > 0) {
                bad++;
            }
            System.out.printf("%-15s %8d reads, %6d torn (%s)%s%n", model, r[0], r[1],
                    allowed ? "allowed by this model" : "forbidden", !allowed && r[1] > 0 ? "  VIOLATION" : "");
        }
        System.out.println(bad == 0 ? "race: " + type + ": every model kept its promise" : "race: " + type + ": " + bad + " model(s) broke it");
        return bad == 0 ? 0 : 1;
    }

    /** {reads, torn}. */
    private long[] run(FileSystemType t, String model) throws Exception {
        try (DaxDevice dev = PmemDevices.memory(Math.max(32L << 20, t.minimumSize()))) {
            t.mkfs(dev, MkfsOptions.defaults().withBlockSize(4096));
            try (FileSystem fs = Vfs.mount(t, dev, MountOptions.parse("dax,locking=" + model));
                 OpenFile f = fs.open("/race", OpenFlags.O_RDWR | OpenFlags.O_CREAT)) {
                f.write(0, new byte[RANGE], 0, RANGE);
                AtomicLong reads = new AtomicLong();
                AtomicLong torn = new AtomicLong();
                AtomicReference<Throwable> failure = new AtomicReference<>();
                java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
                List<Thread> all = new ArrayList<>();
                for (int w = 0; w < threads; w++) {
                    int id = w;
                    all.add(new Thread(() -> {
                        byte[] buf = new byte[RANGE];
                        for (int i = 0; !done.get(); i++) {
                            java.util.Arrays.fill(buf, (byte) (1 + (id * 7 + i) % 250));
                            try {
                                f.write(0, buf, 0, RANGE);
                            } catch (FsException e) {
                                failure.set(e);
                                return;
                            }
                        }
                    }));
                }
                List<Thread> readers = new ArrayList<>();
                for (int q = 0; q < threads; q++) {
                    readers.add(new Thread(() -> {
                        byte[] buf = new byte[RANGE];
                        for (int i = 0; i < ops; i++) {
                            try {
                                f.read(0, buf, 0, RANGE);
                            } catch (FsException e) {
                                failure.set(e);
                                return;
                            }
                            reads.incrementAndGet();
                            for (int k = 1; k < RANGE; k++) {
                                if (buf[k] != buf[0]) {
                                    torn.incrementAndGet();
                                    break;
                                }
                            }
                        }
                    }));
                }
                all.forEach(Thread::start);
                readers.forEach(Thread::start);
                long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(120);
                for (Thread r : readers) {
                    r.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                }
                done.set(true);
                for (Thread w : all) {
                    w.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                }
                List<Thread> stuck = new ArrayList<>(readers);
                stuck.addAll(all);
                stuck.removeIf(th -> !th.isAlive());
                if (!stuck.isEmpty()) {
                    // A deadlock (or a livelock): show where every thread of the run waits.
                    for (Thread th : stuck) {
                        System.out.println("race: " + model + ": " + th.getName() + " still running after 120 s:");
                        for (StackTraceElement e : th.getStackTrace()) {
                            System.out.println("    at " + e);
                        }
                    }
                    throw new IllegalStateException("race: " + model + ": " + stuck.size() + " thread(s) did not finish in 120 s");
                }
                if (failure.get() != null) {
                    throw new IllegalStateException("race: " + model + ": " + failure.get(), failure.get());
                }
                return new long[] {reads.get(), torn.get()};
            }
        }
    }
}
