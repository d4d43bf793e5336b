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
        try {
            FileSystemType type = FileSystemTypes.byName(config.type());
            try (DaxDevice device = PmemDevices.memory(s.fsSize())) {
                type.mkfs(device, MkfsOptions.defaults().withBlockSize(4096));
                try (FileSystem fs = Vfs.mount(type, device, mountOptions(s, config))) {
                    return new Run(s, config, runProcesses(s, fs), null);
                }
            }
        } catch (FsException e) {
            return new Run(s, config, List.of(), e.describe());
        } catch (RuntimeException e) {
            return new Run(s, config, List.of(), "internal error: " + e);
        }
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
        boolean killed = false;
        for (int i = 0; i < s.commands().size(); i++) {
            String cmd = s.commands().get(i);
            rec.begin();
            if (s.isBadblock(i)) {
                rows.add(processEnd(proc, killed, i));
                List<String> words = List.of(cmd.split("\\s+"));
                poison(fs, words, flags);
                rows.add(new OutputRow(OutputRow.commandKey(i), cmd, rec.lines()));
                rec.begin();
                proc = startProcess(fs, rec, flags);
                killed = false;
                continue;
            }
            if (!killed) {
                XfsIoProcess.Outcome o = proc.execute(cmd);
                killed = o != XfsIoProcess.Outcome.CONTINUE;
            }
            rows.add(new OutputRow(OutputRow.commandKey(i), cmd, rec.lines()));
        }
        rows.add(processEnd(proc, killed, -1));
        return rows;
    }

    private static XfsIoProcess startProcess(FileSystem fs, RowRecorder rec, int flags) throws FsException {
        XfsIoProcess p = new XfsIoProcess(fs, rec);
        p.setMountPrefix("/mnt");
        p.open(PATH, DISPLAY_NAME, flags);
        return p;
    }

    /** The harness's trailer for a process: {@code Bus error} when killed, {@code exit N} when N != 0. */
    private static OutputRow processEnd(XfsIoProcess p, boolean killed, int badblockIndex) {
        List<String> lines = new ArrayList<>();
        if (killed) {
            lines.add("Bus error");
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
