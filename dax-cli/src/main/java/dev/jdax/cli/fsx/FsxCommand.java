package dev.jdax.cli.fsx;

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
import dev.jdax.cli.xfsio.Numbers;
import dev.jdax.pmem.PmemDevices;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/**
 * {@code jdax fsx}: random operations on one file of a fresh file system in memory, checked against a
 * model; then the file system is unmounted, mounted again and the file checked once more.
 */
@Command(name = "fsx", mixinStandardHelpOptions = true,
        header = "Random operations on one file checked against a model (fsx).",
        description = {"Random reads, writes, mapped reads and writes, truncates, fallocate modes (allocate, "
                + "keep-size, punch, zero, collapse, insert) and copy_file_range, clone and dedupe ranges within the "
                + "file (clone and dedupe where the file system shares blocks: XFS) on one file, each checked against an "
                + "in-memory model; "
                + "then a remount and a last check. Prints the op log and a reproducer on the first divergence."},
        footer = {"", "Exit status: 0 when every check held, 1 on a divergence or failure."})
public final class FsxCommand implements Callable<Integer> {
    private static final long DEVICE_SIZE = 64L << 20;

    @Option(names = "-t", required = true, paramLabel = "TYPE", description = "ext2, ext4 or xfs.")
    String type;

    @Option(names = "-o", paramLabel = "OPTS", description = "Mount options besides dax (e.g. dioread_nolock).")
    String options = "";

    @Option(names = "--ops", paramLabel = "N", description = "Operations to run (default: ${DEFAULT-VALUE}).")
    long ops = 10_000;

    @Option(names = "--seed", paramLabel = "S", description = "Random seed (default: from the clock, printed).")
    Long seed;

    @Option(names = "--file-size", paramLabel = "SIZE", description = "Largest file size (default: ${DEFAULT-VALUE}).")
    String fileSize = "256k";

    @Override
    public Integer call() throws FsException {
        long s = seed != null ? seed : System.nanoTime() & 0xffffffL;
        FileSystemType fsType = FileSystemTypes.byName(type);
        int maxSize = (int) Math.min(Numbers.parse(fileSize), 64L << 20);
        MountOptions mount = MountOptions.parse(options.isEmpty() ? "dax" : "dax," + options);
        String reproduce = "jdax fsx -t " + type + (options.isEmpty() ? "" : " -o " + options)
                + " --ops " + ops + " --seed " + s + " --file-size " + fileSize;
        System.out.println("fsx: " + type + ", seed " + s + ", " + ops + " operations, file up to " + maxSize + " bytes");
        try (DaxDevice device = PmemDevices.memory(Math.max(DEVICE_SIZE, fsType.minimumSize()))) {
            fsType.mkfs(device, MkfsOptions.defaults().withBlockSize(4096));
            FsxRun.Result result;
            FsxRun run;
            try (FileSystem fs = Vfs.mount(fsType, device, mount);
                 OpenFile file = fs.open("/fsx", OpenFlags.O_RDWR | OpenFlags.O_CREAT | OpenFlags.O_TRUNC)) {
                run = new FsxRun(file, maxSize, 4096, s);
                Progress progress = new Progress(ops);
                result = run.run(ops, progress::report);
                progress.done();
            }
            String failure = result.failure();
            if (failure == null) {
                failure = checkAfterRemount(fsType, device, mount, run);
            }
            report(result, failure, reproduce);
            return failure == null ? 0 : 1;
        }
    }

    private static String checkAfterRemount(FileSystemType fsType, DaxDevice device, MountOptions mount, FsxRun run)
            throws FsException {
        try (FileSystem fs = Vfs.mount(fsType, device, mount);
             OpenFile file = fs.open("/fsx", OpenFlags.O_RDONLY)) {
            return new FsxRun(file, run.model()).checkWholeFile("after remount");
        }
    }

    private static void report(FsxRun.Result r, String failure, String reproduce) {
        StringBuilder counts = new StringBuilder();
        r.counts().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey())
                .forEach(e -> counts.append(' ').append(e.getKey().label).append('=').append(e.getValue()));
        System.out.println("operations:" + counts);
        if (!r.unsupported().isEmpty()) {
            System.out.println("not supported here (EOPNOTSUPP, dropped from the mix): "
                    + String.join(", ", r.unsupported().stream().map(k -> k.label).sorted().toList()));
        }
        if (failure == null) {
            System.out.println("All " + r.ops() + " operations completed A-OK, and the file read back whole after a remount.");
            return;
        }
        System.out.println("fsx: FAILED at operation " + r.ops() + ": " + failure);
        FsxRun.describe(r).forEach(System.out::println);
        System.out.println("reproduce: " + reproduce);
    }

    /** A progress line on a terminal, rewritten at most once a second. */
    private static final class Progress {
        private final long total;
        private final boolean tty = System.console() != null;
        private long last = System.nanoTime();

        Progress(long total) {
            this.total = total;
        }

        void report(long done) {
            long now = System.nanoTime();
            if (tty && now - last > 1_000_000_000L) {
                last = now;
                System.err.printf("\rfsx: %d/%d operations", done, total);
            }
        }

        void done() {
            if (tty) {
                System.err.print("\r\033[K");
            }
        }
    }
}
