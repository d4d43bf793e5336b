package dev.jdax.cli.compare;

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
import dev.jdax.cli.xfsio.FileBadBlocks;
import dev.jdax.cli.xfsio.XfsIoProcess;
import dev.jdax.pmem.PmemDevices;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs a scenario on one personality as the reference harness ran it on Linux: a fresh file system
 * on a fresh device in memory (block size 4096, as the reference's mkfs), mounted with DAX; then
 * {@code xfs_io -f [open-flags] -c ... /mnt/file} as one process, a {@code badblock} line ending
 * that process, poisoning the sectors under the range and starting a new one.
 */
public final class ScenarioRunner {
    /** What the file is called in output, as in the reference (the harness mounted at /mnt). */
    static final String DISPLAY_NAME = "/mnt/file";
    private static final String PATH = "/file";

    private ScenarioRunner() {
    }

    /** The result of one run: a row per command and per process end, or the error that stopped it. */
    public record Run(Scenario scenario, PersonalityConfig config, List<OutputRow> rows, String error) {
    }

    public static Run run(Scenario s, PersonalityConfig config) {
        if (!s.appliesTo(config.type())) {
            return new Run(s, config, List.of(), null); // an ext scenario on XFS: nothing to run, nothing measured
        }
        try {
            FileSystemType type = FileSystemTypes.byName(config.type());
            if (s.mke2fs() != null) {
                java.nio.file.Path img = Mke2fsImage.make(s.mke2fs(), s.fsSize());
                try (DaxDevice device = PmemDevices.open(img)) {
                    return mountAndRun(s, config, type, device);
                } finally {
                    Mke2fsImage.deleteQuietly(img);
                }
            }
            try (DaxDevice device = PmemDevices.memory(s.fsSize())) {
                type.mkfs(device, mkfsOptions(config));
                return mountAndRun(s, config, type, device);
            }
        } catch (FsException e) {
            return new Run(s, config, List.of(), e.describe());
        } catch (RuntimeException e) {
            return new Run(s, config, List.of(), "internal error: " + e);
        }
    }

    /**
     * Mounts and runs the processes. Where the scenario measures the mount, a refused one is its
     * row as the measuring guest records Linux's: {@code mount: STRERROR}, then the reason in the
     * kernel log's words ({@code EXT4-fs: ...}), and no command runs.
     */
    private static Run mountAndRun(Scenario s, PersonalityConfig config, FileSystemType type, DaxDevice device)
            throws FsException {
        MountOptions options = mountOptions(s, config);
        String mount = "mount -t " + config.type() + (options.toString().isEmpty() ? "" : " -o " + options);
        FileSystem fs;
        try {
            fs = Vfs.mount(type, device, options);
        } catch (FsException e) {
            if (!s.recordsMount()) {
                throw e;
            }
            // One kernel log line per line of the reason (a refusal Linux explains in two messages).
            String why = e.getMessage().startsWith("ext4: ") ? e.getMessage().substring("ext4: ".length()) : e.getMessage();
            List<String> lines = new ArrayList<>(List.of("mount: " + e.errno().message()));
            why.lines().forEach(l -> lines.add("EXT4-fs: " + l));
            List<OutputRow> rows = new ArrayList<>(List.of(new OutputRow(OutputRow.MOUNT_KEY, mount, lines)));
            rows.addAll(nothingRan(s)); // the rows Linux printed for, where it mounted
            return new Run(s, config, rows, null);
        }
        try (fs) {
            List<OutputRow> rows = new ArrayList<>();
            if (s.recordsMount()) {
                rows.add(new OutputRow(OutputRow.MOUNT_KEY, mount, List.of()));
            }
            rows.addAll(runProcesses(s, fs));
            return new Run(s, config, rows, null);
        }
    }

    /**
     * The reference's mkfs: block size 4096, and for XFS the 4 KiB sectors mkfs.xfs chooses on
     * /dev/pmem0 (its physical sector size is a page), which sets the AG headers and so where
     * free space begins.
     */
    static MkfsOptions mkfsOptions(PersonalityConfig config) {
        MkfsOptions o = MkfsOptions.defaults().withBlockSize(4096);
        return config.type().equals("xfs")
                ? new MkfsOptions(o.blockSize(), o.features(), o.label(), o.uuid(), java.util.Map.of("sectsize", "4096"))
                : o;
    }

    static MountOptions mountOptions(Scenario s, PersonalityConfig config) throws FsException {
        String base = s.mountOptions() == null ? "dax" : s.mountOptions().equals("none") ? "" : s.mountOptions();
        String all = base.isEmpty() ? config.options() : config.options().isEmpty() ? base : base + "," + config.options();
        return MountOptions.parse(all);
    }

    private static List<OutputRow> runProcesses(Scenario s, FileSystem fs) throws FsException {
        int flags = XfsIoProcess.openFlags("-f " + s.openFlags());
        List<OutputRow> rows = new ArrayList<>();
        RowRecorder rec = new RowRecorder();
        XfsIoProcess proc = startProcess(fs, rec, flags);
        XfsIoProcess.Outcome ended = XfsIoProcess.Outcome.CONTINUE;
        for (int i = 0; i < s.commands().size(); i++) {
            String cmd = s.commands().get(i);
            rec.begin();
            if (s.isBadblock(i)) {
                rows.add(processEnd(proc, ended, i));
                List<String> words = List.of(cmd.split("\\s+"));
                poison(fs, words, flags);
                rows.add(new OutputRow(OutputRow.commandKey(i), cmd, rec.lines()));
                rec.begin();
                proc = startProcess(fs, rec, flags);
                ended = XfsIoProcess.Outcome.CONTINUE;
                continue;
            }
            if (ended == XfsIoProcess.Outcome.CONTINUE) {
                ended = proc.execute(cmd);
            }
            rows.add(new OutputRow(OutputRow.commandKey(i), cmd, rec.lines()));
        }
        rows.add(processEnd(proc, ended, -1));
        return rows;
    }

    /** The rows of a scenario whose file system did not mount: every command and process end, empty. */
    private static List<OutputRow> nothingRan(Scenario s) {
        List<OutputRow> rows = new ArrayList<>();
        for (int i = 0; i < s.commands().size(); i++) {
            if (s.isBadblock(i)) {
                rows.add(new OutputRow(OutputRow.processEndKey(i), "(xfs_io ends before badblock)", List.of()));
            }
            rows.add(new OutputRow(OutputRow.commandKey(i), s.commands().get(i), List.of()));
        }
        rows.add(new OutputRow(OutputRow.processEndKey(-1), "(end of xfs_io)", List.of()));
        return rows;
    }

    private static XfsIoProcess startProcess(FileSystem fs, RowRecorder rec, int flags) throws FsException {
        XfsIoProcess p = new XfsIoProcess(fs, rec);
        p.setMountPrefix("/mnt");
        p.open(PATH, DISPLAY_NAME, flags);
        return p;
    }

    /**
     * The harness's trailer for a process (xfsio-run's): {@code Bus error} when SIGBUS killed it,
     * {@code killed by signal 11} for SIGSEGV, else {@code exit N} when N != 0.
     */
    private static OutputRow processEnd(XfsIoProcess p, XfsIoProcess.Outcome ended, int badblockIndex) {
        List<String> lines = new ArrayList<>();
        if (ended == XfsIoProcess.Outcome.BUS_ERROR) {
            lines.add("Bus error");
        } else if (ended == XfsIoProcess.Outcome.SEGMENTATION_FAULT) {
            lines.add("killed by signal 11");
        } else if (p.exitCode() != 0) {
            lines.add("exit " + p.exitCode());
        }
        p.close();
        String what = badblockIndex < 0 ? "(end of xfs_io)" : "(xfs_io ends before badblock)";
        return new OutputRow(OutputRow.processEndKey(badblockIndex), what, lines);
    }

    private static void poison(FileSystem fs, List<String> words, int flags) throws FsException {
        if (words.size() != 3) {
            throw FsException.of(dev.jdax.api.Errno.EINVAL, "badblock: want \"badblock OFF LEN\", got %s", words);
        }
        long off = dev.jdax.cli.xfsio.Numbers.parse(words.get(1));
        long len = dev.jdax.cli.xfsio.Numbers.parse(words.get(2));
        try (OpenFile f = fs.open(PATH, flags & ~(OpenFlags.O_TRUNC | OpenFlags.O_CREAT))) {
            FileBadBlocks.poison(f, fs.device().badBlocks(), off, len);
        }
    }
}
