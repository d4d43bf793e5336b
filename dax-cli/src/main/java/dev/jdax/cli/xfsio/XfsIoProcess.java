package dev.jdax.cli.xfsio;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.SigBusException;
import dev.jdax.api.SigSegvException;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One {@code xfs_io} process on a mounted file system: a table of open files and mappings, the
 * current one of each, and the exit code xfs_io would end with. {@link #execute} runs one command
 * line and prints what xfs_io prints; a load or store the kernel would answer with a signal ends
 * the process ({@link Outcome}).
 */
public final class XfsIoProcess implements AutoCloseable {
    /** How a command line ended. */
    public enum Outcome {
        CONTINUE,
        /** Killed by SIGBUS: the shell prints {@code Bus error}, status 135. */
        BUS_ERROR,
        /** Killed by SIGSEGV: {@code Segmentation fault}, status 139. */
        SEGMENTATION_FAULT,
        /** A command returned non-zero (libxcmd's {@code done}): the commands after it do not run. */
        STOPPED
    }

    static final String NO_FILES = "no files are open, try 'help open'";

    private static final Map<String, XfsIoCommand> COMMANDS = new LinkedHashMap<>();
    private static final Map<String, XfsIoCommand> ALTNAMES = new HashMap<>();

    static {
        for (XfsIoCommand c : List.of(
                new DataCommands.Pread(), new DataCommands.Pwrite(),
                new SpaceCommands.FallocCmd(), new SpaceCommands.Fpunch(), new SpaceCommands.Fzero(), new SpaceCommands.Funshare(),
                new SpaceCommands.Fcollapse(), new SpaceCommands.Finsert(), new SpaceCommands.Truncate(),
                new SpaceCommands.Fsync(), new SpaceCommands.Fdatasync(), new SpaceCommands.Sync(),
                new SpaceCommands.Syncfs(), new SpaceCommands.Resvsp(), new SpaceCommands.Unresvsp(),
                new SpaceCommands.Zero(), new SpaceCommands.Allocsp(), new SpaceCommands.Freesp(),
                new InfoCommands.Stat(), new InfoCommands.Statx(), new InfoCommands.Fiemap(), new InfoCommands.Seek(), new BmapCommand(), new StatfsCommand(),
                new MapCommands.Mmap(), new MapCommands.Mread(), new MapCommands.Mwrite(), new MapCommands.Msync(),
                new MapCommands.Munmap(), new MapAdviceCommands.Madvise(), new MapAdviceCommands.Mincore(),
                new MapAdviceCommands.Mremap(), new FileAdviceCommands.FadviseCmd(), new FileAdviceCommands.SyncRange(),
                new CopyCommands.CopyRange(), new CopyCommands.Sendfile(),
                new ReflinkCommands.Reflink(), new ReflinkCommands.Dedupe(),
                new FileCommands.Open(), new FileCommands.Flink(), new FileCommands.Close(), new FileCommands.File(),
                new FileCommands.Badblock(), new FileCommands.Badblocks(), new FileCommands.Counters(),
                new AttrCommands.Lsattr(), new AttrCommands.Chattr(), new AttrCommands.Utimes(),
                new AttrCommands.Chmod(), new HintCommand.Extsize(), new HintCommand.Cowextsize(), new ProjectCommands.Chproj(), new ProjectCommands.Lsproj(),
                new LabelCommand(), new EncryptCommands.GetEncpolicy(), new EncryptCommands.SetEncpolicy(), new EncryptCommands.AddEnckey(),
                new EncryptCommands.RmEnckey(), new EncryptCommands.EnckeyStatus(), new ReaddirCommand(), new InodeCommand(), new BulkCommands.Bulkstat(), new BulkCommands.Single(), new BulkCommands.Inumbers(), new SwapextCommand(), new ScrubCommand(), new FsmapCommand(), new FileCommands.Print(), new FileCommands.Quit(), new HelpCommand())) {
            COMMANDS.put(c.name(), c);
            if (c.altname() != null) {
                ALTNAMES.put(c.altname(), c);
            }
        }
    }

    private final FileSystem fs;
    private final XfsIoOutput out;
    private final List<OpenedFile> files = new ArrayList<>();
    private final List<MappedRegion> maps = new ArrayList<>();
    private OpenedFile file;
    private MappedRegion mapping;
    private int exitCode;
    private boolean stopped;
    private String mountPrefix = "";

    public XfsIoProcess(FileSystem fs, XfsIoOutput out) {
        this.fs = fs;
        this.out = out;
    }

    /**
     * Where the file system is "mounted" in the names this process is given: {@code /mnt} for the
     * compare harness (Linux's scripts open {@code /mnt/file}), {@code IMAGE:} for {@code jdax io}.
     */
    public void setMountPrefix(String prefix) {
        this.mountPrefix = prefix;
    }

    /** The file-system path of a name given to {@code open}: the mount prefix removed. */
    String pathInFileSystem(String name) {
        if (!mountPrefix.isEmpty() && name.startsWith(mountPrefix)) {
            String rest = name.substring(mountPrefix.length());
            return rest.isEmpty() ? "/" : rest.startsWith("/") ? rest : name;
        }
        return name;
    }

    /** Opens {@code path} as xfs_io's file argument does ({@code -f} creates, {@code -d} O_DIRECT ...). */
    public void open(String path, int flags) throws FsException {
        open(path, path, flags);
    }

    /** Opens {@code path}, calling it {@code displayName} in what it prints ({@code fd.path}, fiemap). */
    public void open(String path, String displayName, int flags) throws FsException {
        boolean tmpfile = (flags & OpenFlags.O_TMPFILE) == OpenFlags.O_TMPFILE;
        if ((flags & OpenFlags.O_CREAT) != 0 && !tmpfile) {
            createIfMissing(path, flags);
        }
        // openfile() passes O_CREAT on with O_TMPFILE, and the kernel refuses the pair (EINVAL).
        int oflags = tmpfile ? flags : flags & ~(OpenFlags.O_CREAT | OpenFlags.O_EXCL);
        OpenFile handle;
        try {
            handle = fs.open(path, oflags);
        } catch (FsException e) {
            if (e.errno() != Errno.EISDIR || (oflags & OpenFlags.O_ACCMODE) != OpenFlags.O_RDWR) {
                throw e;
            }
            // openfile() retries a directory read-only; the file table keeps the flags asked for, so
            // stat still says read-write, and a write meets the descriptor's EBADF.
            handle = fs.open(path, (oflags & ~OpenFlags.O_ACCMODE) | OpenFlags.O_RDONLY);
        }
        file = new OpenedFile(displayName, handle, flags);
        files.add(file);
    }

    /**
     * openfile(NAME, IO_READONLY) for a command's source file (copy_range, sendfile -i): opened
     * read-only outside the file table, or null after {@code "NAME: strerror"} on stderr and exit code 1.
     */
    OpenFile openSource(String name) {
        try {
            return fs.open(pathInFileSystem(name), OpenFlags.O_RDONLY);
        } catch (FsException e) {
            out.err(name + ": " + e.errno().message());
            exitCode = 1;
            return null;
        }
    }

    /** xfs_io's {@code openfile} creates with mode 0600. */
    private void createIfMissing(String path, int flags) throws FsException {
        try {
            fs.resolve(path, true);
            if ((flags & OpenFlags.O_EXCL) != 0) {
                throw FsException.of(Errno.EEXIST, "%s: exists", path);
            }
        } catch (FsException e) {
            if (e.errno() != Errno.ENOENT) {
                throw e;
            }
            fs.create(fs.resolveParent(path), dev.jdax.api.fs.PathWalk.lastName(path), 0600, 0, 0);
        }
    }

    /**
     * The open flags of xfs_io's command-line options ({@code "-f -d"}): {@code -f} O_CREAT,
     * {@code -d} O_DIRECT, {@code -t} O_TRUNC, {@code -r} read-only, {@code -a} O_APPEND, {@code -s} O_DSYNC.
     */
    public static int openFlags(String options) throws FsException {
        int flags = OpenFlags.O_RDWR;
        for (String w : Words.split(options)) {
            if (!w.startsWith("-") || w.length() < 2) {
                throw einval("open flag \"%s\": want -f, -d, -t, -r, -a or -s", w);
            }
            for (char c : w.substring(1).toCharArray()) {
                flags = switch (c) {
                    case 'f' -> flags | OpenFlags.O_CREAT;
                    case 'd' -> flags | OpenFlags.O_DIRECT;
                    case 't' -> flags | OpenFlags.O_TRUNC;
                    case 'r' -> (flags & ~OpenFlags.O_ACCMODE) | OpenFlags.O_RDONLY;
                    case 'a' -> flags | OpenFlags.O_APPEND;
                    case 's' -> flags | OpenFlags.O_DSYNC;
                    default -> throw einval("open flag -%c: want -f, -d, -t, -r, -a or -s", c);
                };
            }
        }
        return flags;
    }

    /** The names of the commands this interpreter knows, in the order of its help (by name, as libxcmd's table). */
    public static List<String> commandNames() {
        return COMMANDS.keySet().stream().sorted().toList();
    }

    /** Whether the command line's command exists only in jdax, so Linux's output for it says nothing. */
    public static boolean isJdaxOnly(String line) {
        XfsIoCommand c = commandOf(line);
        return c != null && c.jdaxOnly();
    }

    /** Whether the command line's command runs once, not on every open file ({@code CMD_FLAG_ONESHOT}). */
    public static boolean isOneShot(String line) {
        XfsIoCommand c = commandOf(line);
        return c == null || c.oneShot();
    }

    private static XfsIoCommand commandOf(String line) {
        List<String> argv = Words.split(line);
        return argv.isEmpty() ? null : command(argv.get(0));
    }

    /** The name of the command typed as {@code typed} ({@code pread} for {@code r}); an unknown name as it is. */
    public static String canonicalName(String typed) {
        XfsIoCommand c = command(typed);
        return c == null ? typed : c.name();
    }

    /** The command called {@code name} or with that short name (libxcmd's {@code find_command}), or null. */
    static XfsIoCommand command(String name) {
        XfsIoCommand c = COMMANDS.get(name);
        return c != null ? c : ALTNAMES.get(name);
    }

    /** Runs one command line ({@code "pwrite -S 0xab 0 4k"}). */
    public Outcome execute(String line) {
        List<String> argv = Words.split(line);
        if (argv.isEmpty()) {
            return Outcome.CONTINUE;
        }
        XfsIoCommand cmd = command(argv.get(0));
        if (cmd == null) {
            out.err("command \"" + argv.get(0) + "\" not found");
            exitCode = 1;
            return Outcome.CONTINUE;
        }
        if (cmd.oneShot()) {
            return runOnCurrentFile(cmd, argv);
        }
        // libxcmd's iterate_command with io/init.c's filetable_iterator: the command runs on every
        // open file in table order, each made the current one (so the last stays current), and not
        // at all when none is open.
        for (int i = 0; i < files.size(); i++) {
            file = files.get(i);
            Outcome o = runOnCurrentFile(cmd, argv);
            if (o != Outcome.CONTINUE) {
                return o;
            }
        }
        return Outcome.CONTINUE;
    }

    private Outcome runOnCurrentFile(XfsIoCommand cmd, List<String> argv) {
        if (cmd.needsFile() && file == null) {
            // init_check_command: a message, but the exit code stays as it was.
            out.err(NO_FILES);
            return Outcome.CONTINUE;
        }
        try {
            if (file != null && cmd.xfsOnly() && foreign()) {
                out.err("foreign file active, " + cmd.name() + " command is for XFS filesystems only");
                return Outcome.CONTINUE;
            }
            if (!argumentCount(cmd, argv)) {
                return Outcome.CONTINUE;
            }
            cmd.run(this, argv);
        } catch (FsException e) {
            perror(cmd.name(), e);
        } catch (SigBusException e) {
            return Outcome.BUS_ERROR;
        } catch (SigSegvException e) {
            return Outcome.SEGMENTATION_FAULT;
        }
        return stopped ? Outcome.STOPPED : Outcome.CONTINUE;
    }

    /** The running command returns -1, as open_f after options it refuses: xfs_io runs no more commands. */
    void stop() {
        stopped = true;
    }

    public int exitCode() {
        return exitCode;
    }

    void setExitCode(int code) {
        exitCode = code;
    }

    FileSystem fs() {
        return fs;
    }

    XfsIoOutput out() {
        return out;
    }

    OpenedFile file() {
        return file;
    }

    List<OpenedFile> files() {
        return files;
    }

    void selectFile(OpenedFile f) {
        file = f;
    }

    /** Whether the file system is not XFS (xfs_io's {@code IO_FOREIGN}: no fsxattr lines, "foreign" in lists). */
    boolean foreign() throws FsException {
        return fs.statfs().type() != InfoCommands.XFS_SUPER_MAGIC;
    }

    MappedRegion mapping() {
        return mapping;
    }

    List<MappedRegion> maps() {
        return maps;
    }

    void addMapping(MappedRegion m) {
        maps.add(m);
        mapping = m;
    }

    void removeMapping(MappedRegion m) {
        maps.remove(m);
        mapping = maps.isEmpty() ? null : maps.get(maps.size() - 1);
    }

    /** The block and sector sizes numbers like {@code 2b} and {@code 3s} are counted in. */
    long blockSize() {
        try {
            return fs.statfs().bsize();
        } catch (FsException e) {
            return 4096;
        }
    }

    /** getopt over a command's arguments, its complaints on this process's stderr. */
    GetOpt getopt(List<String> argv, String spec) {
        return new GetOpt(argv, spec, out);
    }

    long number(String s) {
        return Cvtnum.parse(s, blockSize(), 512);
    }

    /** xfs_io's {@code perror(name)}: {@code "name: strerror"} on stderr, and exit code 1. */
    void perror(String name, FsException e) {
        out.err(name + ": " + e.errno().message());
        exitCode = 1;
    }

    /** xfs_io's {@code command_usage}, and exit code 1. */
    void usage(XfsIoCommand cmd) {
        out.out(cmd.name() + " " + cmd.args() + " -- " + cmd.oneline());
        exitCode = 1;
    }

    /**
     * libxcmd's argument count check, after the file checks and before the command runs: {@code bad
     * argument count N to TYPED, expected E arguments} when {@code argv} has another number than the
     * command's {@link XfsIoCommand#arguments()}; the exit code stays, as libxcmd leaves it.
     */
    private boolean argumentCount(XfsIoCommand cmd, List<String> argv) {
        if (cmd.arguments().allows(argv.size() - 1)) {
            return true;
        }
        out.err(cmd.arguments().refusal(argv.size() - 1, argv.get(0)));
        return false;
    }

    /**
     * prealloc.c's {@code offset_length} (and every command's copy of it): {@code off len} as two
     * numbers, or null after the "non-numeric" line for the first that is not one.
     */
    long[] offsetLength(List<String> ops) {
        long offset = number(ops.get(0));
        if (offset < 0) {
            nonNumeric("offset argument", ops.get(0));
            return null;
        }
        long length = number(ops.get(1));
        if (length < 0) {
            nonNumeric("length argument", ops.get(1));
            return null;
        }
        return new long[] {offset, length};
    }

    /** {@code "non-numeric offset argument -- X"} and friends, and exit code 1. */
    void nonNumeric(String what, String value) {
        refuse("non-numeric " + what + " -- " + value);
    }

    /** A command's refusal of an argument: its line on stdout (xfs_io's printf) and exit code 1. */
    void refuse(String line) {
        out.out(line);
        exitCode = 1;
    }

    static boolean isDirect(int flags) {
        return (flags & OpenFlags.O_DIRECT) != 0;
    }

    /** Unmaps everything and closes every file, as the process's exit does. */
    @Override
    public void close() {
        for (MappedRegion m : List.copyOf(maps)) {
            m.mapping().close();
        }
        maps.clear();
        mapping = null;
        for (OpenedFile f : files) {
            if (!f.descriptorOpen()) {
                continue;
            }
            try {
                f.handle().close();
            } catch (FsException e) {
                out.err("close: " + e.errno().message());
            }
        }
        files.clear();
        file = null;
    }

    static FsException einval(String format, Object... args) {
        return FsException.of(Errno.EINVAL, format, args);
    }
}
