package dev.jdax.cli.stress;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.FileSystemType;
import dev.jdax.api.fs.FileSystemTypes;
import dev.jdax.api.fs.MkfsOptions;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.api.lock.LockOrder;
import dev.jdax.cli.FsckJudge;
import dev.jdax.pmem.PmemDevices;
import dev.jdax.vfs.Vfs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code jdax stress}: threads of random namespace operations, I/O, mappings, truncates and
 * fsyncs on one file system, each thread checked against its model; deadlocks caught by a
 * watchdog; the lock-order checker on throughout; at the end a remount that must read back every
 * model and the outside judge (e2fsck -fn, xfs_repair -n) on the image.
 */
@Command(name = "stress", mixinStandardHelpOptions = true,
        header = "Threads of random operations on one file system, checked against models (concurrency).",
        description = {"N threads run random creates, writes, reads, truncates, fallocates, fsyncs, mapped reads and "
                + "writes, views, copy_file_ranges, unlinks, renames, links, mkdirs, rmdirs, symlinks, device nodes, FIFOs and sockets (mknod), chattrs, labels, "
                + "stats and opens by inode number around its files (numbers the others free and take again) "
                + "(and on XFS extent size hints on files and directories, xfs_fsr's swapext with a donor, bulkstat walks and clones of file ranges), "
                + "each in a subtree of its own checked "
                + "against its model, plus racing operations on names (the directory's append-only flag among "
                + "them) and on one file every thread uses. "
                + "A watchdog reports a deadlock (no operation finishing for --stall seconds) with every thread's "
                + "stack; the lock-order checker (docs/LOCKING.md) reports an inversion the first time it is tried. "
                + "At the end the file system is remounted and every model read back, and e2fsck -fn or "
                + "xfs_repair -n judges the image."},
        footer = {"",
                "Exit status: 0 when every check held; 1 on a divergence, a deadlock, a lock-order violation "
                + "or an unclean image."})
public final class StressCommand implements Callable<Integer> {
    @Option(names = "-t", required = true, paramLabel = "TYPE", description = "ext2, ext4 or xfs.")
    String type;

    @Option(names = "-o", paramLabel = "OPTS", description = "Mount options besides dax (e.g. dioread_nolock, locking=range).")
    String options = "";

    @Option(names = "--threads", paramLabel = "N", description = "Threads (default: ${DEFAULT-VALUE}).")
    int threads = 4;

    @Option(names = "--ops", paramLabel = "N", description = "Operations in all, spread over the threads (default: ${DEFAULT-VALUE}).")
    long ops = 20_000;

    @Option(names = "--seed", paramLabel = "S", description = "Seed; thread i uses S + i (default: from the clock, printed).")
    Long seed;

    @Option(names = "--stall", paramLabel = "SECONDS", description = "No operation finishing for this long is a deadlock (default: ${DEFAULT-VALUE}).")
    int stall = 60;

    @Option(names = "--no-fsck", description = "Do not run e2fsck / xfs_repair on the image.")
    boolean noFsck;

    @Override
    public Integer call() throws Exception {
        // Before any lock exists: the checker reads the property once, when its class loads.
        System.setProperty("jdax.lockdep", "true");
        long s = seed != null ? seed : System.nanoTime() & 0xffffffL;
        FileSystemType fsType = FileSystemTypes.byName(type);
        MountOptions mount = MountOptions.parse(options.isEmpty() ? "dax" : "dax," + options);
        System.out.printf("stress: %s%s, %d threads, %d operations, seed %d%n", type,
                options.isEmpty() ? "" : " -o " + options, threads, ops, s);
        long size = Math.max(256L << 20, fsType.minimumSize() + (64L << 20));
        List<String> failures = new ArrayList<>();
        try (DaxDevice device = PmemDevices.memory(size)) {
            fsType.mkfs(device, MkfsOptions.defaults().withBlockSize(4096));
            List<StressWorker> workers = new ArrayList<>();
            try (FileSystem fs = Vfs.mount(fsType, device, mount)) {
                fs.mkdir(fs.rootIno(), "shared", 0777, 0, 0);
                try (OpenFile f = fs.open("/shared-file", OpenFlags.O_RDWR | OpenFlags.O_CREAT)) {
                    f.truncate((long) threads * StressWorker.STRIPE);
                }
                AtomicLong progress = new AtomicLong();
                boolean fallocate = !type.equals("ext2");
                boolean xfs = type.equals("xfs");
                for (int i = 0; i < threads; i++) {
                    workers.add(new StressWorker(i, fs, s + i, ops / threads + (i < ops % threads ? 1 : 0), progress,
                            fallocate, xfs));
                }
                String deadlock = new Watchdog(workers, progress, ops, stall).run();
                if (deadlock != null) {
                    System.out.println(deadlock);
                    System.out.println("stress: FAILED: a deadlock (the threads stay blocked; exiting)");
                    return 1;
                }
                for (StressWorker w : workers) {
                    if (w.failure() != null) {
                        failures.add(w.failure());
                        w.recent().forEach(l -> failures.add("    " + l));
                    }
                }
            }
            if (failures.isEmpty()) {
                try (FileSystem fs = Vfs.mount(fsType, device, MountOptions.parse("ro"))) {
                    for (StressWorker w : workers) {
                        failures.addAll(w.verify(fs));
                    }
                }
            }
            report(workers);
            failures.addAll(LockOrder.violations());
            String judged = judge(device);
            if (judged != null) {
                failures.add(judged);
            }
        }
        if (failures.isEmpty()) {
            System.out.println("stress: every model read back after the remount; 0 deadlocks, 0 lock-order violations"
                    + (noFsck ? "" : ", the image clean"));
            return 0;
        }
        System.out.println("stress: FAILED");
        failures.stream().limit(40).forEach(f -> System.out.println("  " + f));
        System.out.println("reproduce (the operations, not their interleaving): jdax stress -t " + type
                + (options.isEmpty() ? "" : " -o " + options) + " --threads " + threads + " --ops " + ops + " --seed " + s);
        return 1;
    }

    private String judge(DaxDevice device) throws Exception {
        if (noFsck) {
            return null;
        }
        FsckJudge.Verdict v = FsckJudge.judge(type, device);
        if (v.tool() == null) {
            System.out.println("stress: " + (type.equals("xfs") ? "xfs_repair" : "e2fsck") + " not installed: the image is not judged");
            return null;
        }
        System.out.println("stress: " + v.tool().getFileName() + (v.clean() ? ": clean" : ": " + v.problem()));
        return v.clean() ? null : v.tool().getFileName() + ": " + v.problem();
    }

    private static void report(List<StressWorker> workers) {
        Map<StressWorker.Op, Long> counts = new EnumMap<>(StressWorker.Op.class);
        Map<String, Long> raced = new TreeMap<>();
        long done = 0;
        for (StressWorker w : workers) {
            w.counts().forEach((k, v) -> counts.merge(k, v, Long::sum));
            w.raced().forEach((k, v) -> raced.merge(k, v, Long::sum));
            done += w.done();
        }
        StringBuilder sb = new StringBuilder("operations: " + done + " —");
        counts.forEach((k, v) -> sb.append(' ').append(k.name().toLowerCase(java.util.Locale.ROOT)).append('=').append(v));
        System.out.println(sb);
        if (!raced.isEmpty()) {
            System.out.println("races on shared names answered as Linux would: " + raced);
        }
    }
}
