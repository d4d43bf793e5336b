package dev.jdax.cli.compare;

import dev.jdax.cli.xfsio.XfsIoProcess;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits what Linux's xfs_io printed for a whole scenario (one {@code .out} file, no markers between
 * commands) into the rows jdax produces: one per command, one per process end. Each command may
 * print only lines of its own shapes (a small grammar per command, from xfsprogs' {@code io/*.c});
 * a line the current command cannot have printed belongs to a later one, and the {@code exit N} /
 * {@code Bus error} lines the harness appends belong to the process end.
 */
final class LinuxOutputSegmenter {
    /** Why xfs_io's extsize could not read or set a hint. */
    private static final String EXTSIZE_REFUSAL = "xfs_io: FS_IOC_FS[GS]ETXATTR .*|non-numeric extsize argument -- .*"
            + "|xfs_io: -R and -D options are mutually exclusive|invalid target file type - file .*";
    /** An extsize command that sets a hint (has an operand): it prints nothing when that works. */
    private static final Pattern EXTSIZE_SET = Pattern.compile("^\\s*extsize(\\s+-[DR]+)*\\s+[^-\\s]");
    /** An extsize command that walks a tree (-R, -D): a line per entry visited, however many that is. */
    private static final Pattern EXTSIZE_WALK = Pattern.compile("^\\s*extsize(\\s+-\\S+)*\\s+-[A-Z]*[DR]");
    /** Why xfs_io's cowextsize could not read or set a hint (io/cowextsize.c). */
    private static final String COWEXTSIZE_REFUSAL = "xfs_io: (XFS_IOC_FSGETXATTR|XFS_IOC_FSSETXATTR) .*"
            + "|non-numeric cowextsize argument -- .*|xfs_io: -R and -D options are mutually exclusive|invalid target file type - file .*";
    /** A cowextsize command that sets a hint: it prints nothing when that works. */
    private static final Pattern COWEXTSIZE_SET = Pattern.compile("^\\s*cowextsize(\\s+-[DR]+)*\\s+[^-\\s]");
    /**
     * Whether fsmap prints its usage line for these arguments (io/fsmap.c: more than one device, -m
     * with -v, a range without a device, an option it does not know): the line is then this run's,
     * and never a run's that prints none.
     */
    private static boolean fsmapRefusesItsArguments(String command) {
        List<String> w = List.of(command.strip().split("\\s+"));
        int devices = 0;
        boolean machine = false;
        boolean verbose = false;
        boolean operands = false;
        for (int i = 1; i < w.size(); i++) {
            String a = w.get(i);
            if (!a.startsWith("-") || a.length() < 2) {
                operands = true;
                continue;
            }
            for (char c : a.substring(1).toCharArray()) {
                switch (c) {
                    case 'd', 'l', 'r' -> devices++;
                    case 'm' -> machine = true;
                    case 'v' -> verbose = true;
                    case 'n' -> i++;
                    default -> {
                        return true;
                    }
                }
                if (c == 'n') {
                    break;
                }
            }
        }
        return devices > 1 || machine && verbose || operands && devices == 0;
    }

    /** An fsmap of the log or realtime device alone (-l, -r), without -d. */
    private static final Pattern FSMAP_OTHER_DEVICE = Pattern.compile("^\\s*fsmap(\\s+-\\S+)*\\s+-[a-z]*[lr][a-z]*(\\s|$)");
    /** What swapext says when a run fails (io/swapext.c): the donor's open, then each call's perror. */
    private static final String SWAPEXT_LINE = "swapext: .*|/.*: .*|fstat: .*|bulkstat: .*";
    /** What scrub prints (io/scrub.c): a refused argument, the ioctl's error. */
    private static final String SCRUB_LINE = "scrub: .*|Must specify .*|Bad (AG|inode|generation) number '.*'\\."
            + "|No parameters allowed\\.";
    /** A cowextsize command that walks a tree (-R, -D). */
    private static final Pattern COWEXTSIZE_WALK = Pattern.compile("^\\s*cowextsize(\\s+-\\S+)*\\s+-[A-Z]*[DR]");
    /** A walk's line: the hint, then the path. */
    private static final Pattern WALK_LINE = Pattern.compile("^\\[\\d+\\] (.*)$");
    /** A chproj or lsproj command that walks a tree (-R, -D): a line per entry visited, however many that is. */
    private static final Pattern PROJECT_WALK = Pattern.compile("^\\s*(chproj|lsproj)(\\s+-\\S+)*\\s+-[A-Z]*[DR]");
    /** What chproj says: why an id could not be set (per entry in a walk), or why it set none. */
    private static final String CHPROJ_LINE = "setprojid: .*|invalid project ID -- .*|xfs_io: -R and -D options are mutually exclusive"
            + "|xfs_io: cannot open .*";
    /** What label prints: the label it read or set, or why the ioctl failed. */
    private static final String LABEL_LINE = "label = \".*\"|label: .*";
    /** What fsmap says when it prints no map: a bad number, no geometry for -v, the ioctl's error. */
    private static final String FSMAP_REFUSAL = "Bad rmap (start|end)_bblock .*|xfs_io: (can't get geometry|xfsctl\\(XFS_IOC_GETFSMAP\\)) .*";
    /** What inode prints: a number (with its width under -v), a refused number, or why the ioctl failed. */
    private static final String INODE_LINE = "\\d+|\\d+:(32|64)|.* is not a numeric inode value|(XFS_IOC_FSINUMBERS|bulkstat|bulkstat_single): .*";
    private static final String TIMING = "\\S+ (bytes|KiB|MiB|GiB|TiB|PiB|EiB), \\d+ ops; .*sec.*";
    /** readdir's own timing line (io/readdir.c prints "ops," where report_io_times prints "ops;"). */
    private static final String READDIR_TIMING = "\\S+ (bytes|KiB|MiB|GiB|TiB|PiB|EiB), \\d+ ops, .*sec.*";
    private static final Pattern DUMP = Pattern.compile("^[0-9a-f]{8}:  .*");
    private static final Pattern MAPPED_ACCESS = Pattern.compile("^m(read|write|map)\\b");
    private static final Pattern PROCESS_END = Pattern.compile("^(exit \\d+|Bus error|Segmentation fault)$");
    private static final Pattern MOUNT = Pattern.compile("^(mount: .*|EXT4-fs: .*)$");
    private static final Pattern USAGE_OR_ARG = Pattern.compile("^(non-numeric .*|\\S+ .* -- .*|command \".*\" not found)$");
    /**
     * What libxcmd says before a command runs (its argument count, a foreign file): the command's
     * whole output, under the name typed.
     */
    private static final Pattern REFUSED = Pattern.compile("^(bad argument count \\d+ to (\\S+), .*|foreign file active, (\\S+) command .*)$");
    /** glibc getopt's complaint, under the name typed; the usage line follows it. */
    private static final Pattern GETOPT = Pattern.compile("^(\\S+): (invalid option|option requires an argument) -- '.'$");
    /** get_encpolicy's policy lines (io/encrypt.c's show_v1/v2_encryption_policy). */
    private static final String ENCPOLICY_LINE = "Encryption policy for .*:|\\tPolicy version: .*|\\tMaster key (descriptor|identifier): .*"
            + "|\\t(Contents|Filenames) encryption mode: .*";
    /** What ends a get_encpolicy run: the policy's flags, a failure, or -t's answer. */
    private static final String ENCPOLICY_END = "\\tFlags: .*|/.*: failed to get encryption policy: .*"
            + "|/.*: unexpected error checking for .*|supported|unsupported";
    /** The one line set_encpolicy, add_enckey, rm_enckey or enckey_status prints. */
    private static final String ENCKEY_LINE = "/.*: failed to set encryption policy: .*|invalid (contents encryption mode|filenames encryption mode"
            + "|flags|policy version|key specifier|key descriptor|key identifier|key ID): .*|Added encryption key with .*"
            + "|Error (adding|removing|getting) encryption key.*: .*|Error reading key from stdin: .*|Invalid key; .*"
            + "|Removed .*|Present.*|Absent|Incompletely removed|Unknown status .*";
    /** A line of xfs_io's mapping table ({@code maplist_f}). */
    private static final String MAP_LIST = "[\\[ ]\\d{3}[\\] ] 0x[0-9a-f]+ - 0x[0-9a-f]+ .*";
    private static final String NOTHING = "(?!)";
    /** A run of resident pages ({@code mincore_f}); its file offset is the group. */
    private static final String MINCORE_LINE = "0x[0-9a-f]+ - 0x[0-9a-f]+  \\d+ pages \\((\\d+) : (\\d+)\\)";
    private static final Pattern MINCORE_RUN = Pattern.compile("^" + MINCORE_LINE + "$");
    /** What the mapping commands say of a range outside the mapping, of bad numbers, and with no mapping. */
    private static final String REFUSED_RANGE = "offset .*|range .*|no mapped regions.*|non-numeric (offset|length) argument -- .*";

    /** copy_range's one line when it copies nothing: the source's open or fstat, an option's value, the call. */
    private static final String COPY_REFUSAL = "/.*: .*|copy_range: .*|fstat: .*|invalid (source offset|destination offset|length) -- .*"
            + "|file value -?\\d+ is out of range .*";
    /** reflink's and dedupe's one line when they share nothing: the source's open, a bad number, the ioctl. */
    private static final String SHARE_REFUSAL = "/.*: .*|XFS_IOC_CLONE(_RANGE)?: .*|XFS_IOC_FILE_EXTENT_SAME: .*"
            + "|non-numeric (src|dest) offset argument -- .*|non-positive length argument -- .*";
    /** sendfile's one line when it sends nothing. */
    private static final String SEND_REFUSAL = "/.*: .*|sendfile: .*|non-numeric (offset|length) argument -- .*"
            + "|value -?\\d+ is out of range .*";

    /** A command with -r among its options (stat's raw form). */
    private static final Pattern RAW = Pattern.compile("\\s-\\w*r");

    /** A sendfile command with -q among its options. */
    private static final Pattern QUIET_SEND = Pattern.compile("\\s-C*q[Cq]*([fi]\\S*)?(\\s|$)");

    private static final String NO_FILES = "no files are open, try 'help open'";
    private static final String NO_MAPPINGS = "no mapped regions";
    private static final String TMPFILE_READONLY = "-T and -r options are incompatible";
    /** A line of xfs_io's file table ({@code filelist_f}): {@code "[000] /mnt/file      (xfs,non-sync,...)"}. */
    private static final String FILE_LIST = "[\\[ ]\\d{3}[\\] ] .* \\((xfs|foreign),.*\\)";

    private LinuxOutputSegmenter() {
    }

    /**
     * What a command may print, which of its lines end its output, and which start another run of it
     * (judged with the lines the run has so far: {@code startsAnother.test(lines, line)}).
     */
    private record Grammar(Pattern may, Pattern ends, BiPredicate<List<String>, String> startsAnother, boolean usage) {
        Grammar(Pattern may, Pattern ends, BiPredicate<List<String>, String> startsAnother) {
            this(may, ends, startsAnother, true);
        }

        static Grammar of(String may, String ends, String startsAnother) {
            Pattern another = startsAnother == null ? null : Pattern.compile(startsAnother);
            return new Grammar(Pattern.compile(may), ends == null ? null : Pattern.compile(ends),
                    (lines, line) -> another != null && another.matcher(line).matches());
        }

        /** This grammar, with the command's usage line allowed or not (a command whose arguments decide it). */
        Grammar usage(boolean allowed) {
            return new Grammar(may, ends, startsAnother, allowed);
        }

        /** This grammar, with the lines {@code another} accepts starting another run too. */
        Grammar orStartsAnother(BiPredicate<List<String>, String> another) {
            return new Grammar(may, ends, startsAnother.or(another), usage);
        }
    }

    private static Grammar grammar(String command) {
        String typed = command.split("\\s+")[0];
        String name = XfsIoProcess.canonicalName(typed);
        return switch (name) {
            case "pread" -> Grammar.of("^([0-9a-f]{8}:  .*|read \\d+/\\d+ bytes at offset \\d+|pread: .*|" + TIMING + ")$",
                    "^(pread: .*|" + TIMING + ")$", null);
            case "pwrite" -> Grammar.of("^(wrote \\d+/\\d+ bytes at offset \\d+|pwrite: .*|fsync: .*|fdatasync: .*|"
                    + TIMING + ")$", "^(pwrite: .*|" + TIMING + ")$", null);
            // A failed fstat or statx is all a run prints.
            // stat -r (dump_raw_stat) starts with the block size; statx -r prints it after the mask.
            case "stat", "statx" -> Grammar.of("^(fd\\..*|stat\\..*|stat\\.mode: .*|fsxattr\\..*|dioattr\\..*|fstat: .*|statx: .*|FS_IOC_FSGETXATTR: .*|XFS_IOC_DIOINFO: .*)$",
                    "^(fstat|statx): .*", name.equals("stat") && RAW.matcher(command).find()
                            ? "^(fd\\.path = .*|stat\\.blksize = .*)$" : "^(fd\\.path = .*|stat\\.mask = .*)$");
            case "lsattr" -> Grammar.of("^([-a-zA-Z]{17} .*|xfs_io: cannot get flags .*)$", null, "^[-a-zA-Z]{17} .*");
            case "chattr" -> Grammar.of("^xfs_io: (cannot set flags|cannot get flags|unknown flag|bad chattr).*$", null, null);
            case "fiemap" -> Grammar.of("^(/.*:| EXT: .*|\\s*\\d+: \\[\\d+\\.\\.\\d+\\]:.*|\\t\\d+: \\[.*|.*ioctl\\(FS_IOC_FIEMAP\\).*)$",
                    null, "^/.*:$");
            // An error or "no extents" is all a run prints; -vv ends its table with the flags' legend.
            case "bmap" -> Grammar.of("^(/.*: no extents|/.*:| EXT: .*|\\s*\\d+: \\[\\d+\\.\\.-?\\d+\\]:.*| FLAG Values:|    0\\d{6} .*"
                    + "|xfs_io: (xfsctl|can't get geometry|cannot read attrs).*)$", "^(/.*: no extents|xfs_io: .*)$", "^/.*:( no extents)?$");
            case "statfs" -> Grammar.of("^(fd\\.path = .*|statfs\\.f_\\w+ = .*|geom\\.\\w+ = .*|counts\\.\\w+ = .*|fstatfs: .*|XFS_IOC_FS\\w+: .*)$",
                    null, "^fd\\.path = .*");
            // One line at most per run: the hint when asked for, or why it could not be read or set. A
            // walk prints one per entry it visits, so its runs cannot be told apart: it takes every line
            // of its shapes, and a scenario follows it with a command of other shapes.
            case "extsize" -> {
                String line = EXTSIZE_SET.matcher(command).find() ? EXTSIZE_REFUSAL : "\\[\\d+\\] .*|" + EXTSIZE_REFUSAL;
                yield EXTSIZE_WALK.matcher(command).find() ? Grammar.of("^(" + line + ")$", null, null)
                        : Grammar.of("^(" + line + ")$", "^(" + line + ")$", "^(" + line + ")$");
            }
            // A file's project id is one line; a walk's runs cannot be told apart, as extsize's.
            case "lsproj" -> PROJECT_WALK.matcher(command).find()
                    ? Grammar.of("^(\\[\\d+\\] .*|FS_IOC_FSGETXATTR: .*|xfs_io: cannot open .*)$", null, null)
                    : Grammar.of("^(projid = \\d+|FS_IOC_FSGETXATTR: .*|getprojid: .*)$", "^(projid = \\d+|getprojid: .*)$",
                            "^(projid = \\d+|FS_IOC_FSGETXATTR: .*)$");
            case "chproj" -> PROJECT_WALK.matcher(command).find()
                    ? Grammar.of("^(" + CHPROJ_LINE + ")$", null, null)
                    : Grammar.of("^(" + CHPROJ_LINE + ")$", "^(" + CHPROJ_LINE + ")$", "^(" + CHPROJ_LINE + ")$");
            // One line a run: the label, or perror's line.
            // Plain, -m or -v lines (-v's table may end with the flags' legend); an error is all a run
            // prints, so after a map it is the next command's.
            // The log and realtime devices (-l, -r) print no map: the measured file systems have
            // neither device of their own (XFS's log is internal), so only a refusal or a usage line.
            case "fsmap" -> (FSMAP_OTHER_DEVICE.matcher(command).find()
                    ? Grammar.of("^(" + FSMAP_REFUSAL + ")$", "^(" + FSMAP_REFUSAL + ")$", "^(" + FSMAP_REFUSAL + ")$")
                    : Grammar.of("^(\\t\\d+: \\d+:\\d+ \\[.*|EXT,MAJOR,MINOR,.*|\\d+,\\d+,\\d+,\\d+,\\d+,.*| EXT: DEV .*"
                    + "|\\s*\\d+: \\d+:\\d+ +\\[.*| FLAG Values:|    0\\d{7} .*|" + FSMAP_REFUSAL + ")$", "^(" + FSMAP_REFUSAL + ")$",
                    "^(\\t0: .*|EXT,MAJOR,MINOR,.*| EXT: DEV .*|" + FSMAP_REFUSAL + ")$"))
                    .usage(fsmapRefusesItsArguments(command));
            case "label" -> Grammar.of("^(" + LABEL_LINE + ")$", "^(" + LABEL_LINE + ")$", "^(" + LABEL_LINE + ")$");
            // A policy's six lines, or one: the failure, or -t's answer.
            case "get_encpolicy" -> Grammar.of("^(" + ENCPOLICY_LINE + "|" + ENCPOLICY_END + ")$", "^(" + ENCPOLICY_END + ")$",
                    "^(Encryption policy for .*|" + ENCPOLICY_END + ")$");
            // One line a run at most, as label's: an argument refused, or the ioctl's answer.
            case "set_encpolicy", "add_enckey", "rm_enckey", "enckey_status" ->
                    Grammar.of("^(" + ENCKEY_LINE + ")$", "^(" + ENCKEY_LINE + ")$", "^(" + ENCKEY_LINE + ")$");
            // -v's records, then the count and the time, which end a run.
            case "readdir" -> Grammar.of("^([0-9a-f]{8,}: d_ino: .*|read \\d+ bytes from offset -?\\d+|" + READDIR_TIMING + ")$",
                    "^(" + READDIR_TIMING + ")$", null);
            // One line a run, as label's.
            case "inode" -> Grammar.of("^(" + INODE_LINE + ")$", "^(" + INODE_LINE + ")$", "^(" + INODE_LINE + ")$");
            case "bulkstat", "inumbers" -> bulkWalk(name, command);
            case "bulkstat_single" -> bulkSingle(command);
            // One line a run, as extsize's; a walk (-R, -D) visits depth first, the walk's root last:
            // after a line that names a directory holding every path before it, a line is another run's.
            case "cowextsize" -> {
                String line = COWEXTSIZE_SET.matcher(command).find() ? COWEXTSIZE_REFUSAL : "\\[\\d+\\] .*|" + COWEXTSIZE_REFUSAL;
                yield COWEXTSIZE_WALK.matcher(command).find()
                        ? new Grammar(Pattern.compile("^(" + line + ")$"), null, LinuxOutputSegmenter::afterWalkRoot)
                        : Grammar.of("^(" + line + ")$", "^(" + line + ")$", "^(" + line + ")$");
            }
            // One line a run, when it fails: the donor's open, fstat, bulkstat or the ioctl.
            case "swapext" -> Grammar.of("^(" + SWAPEXT_LINE + ")$", "^(" + SWAPEXT_LINE + ")$", "^(" + SWAPEXT_LINE + ")$");
            // One line a run: an argument refused, or the ioctl's error and what the kernel flagged.
            case "scrub" -> Grammar.of("^(" + SCRUB_LINE + "|Unknown type '.*'\\.)$", "^(" + SCRUB_LINE + ")$",
                    "^(" + SCRUB_LINE + "|Unknown type '.*'\\.)$");
            case "seek" -> Grammar.of("^(Whence\\t.*|(DATA|HOLE)\\t.*|ERR\\t.*|Invalid seek result: .*)$", null, "^Whence\\t.*");
            // The call's error, or a number prealloc.c's offset_length refused: a run's one line.
            case "falloc", "fpunch", "fzero", "fcollapse", "finsert", "funshare" -> Grammar.of(
                    "^(fallocate: .*|non-numeric (offset|length) argument -- .*)$",
                    "^(fallocate: .*|non-numeric (offset|length) argument -- .*)$", null);
            case "truncate" -> Grammar.of("^ftruncate: .*", "^ftruncate: .*", null);
            case "fsync" -> Grammar.of("^fsync: .*", "^fsync: .*", null);
            case "fdatasync" -> Grammar.of("^fdatasync: .*", "^fdatasync: .*", null);
            case "resvsp", "unresvsp", "zero", "allocsp", "freesp" -> Grammar.of(
                    "^(XFS_IOC_\\w+: .*|non-numeric (offset|length) argument -- .*)$",
                    "^(XFS_IOC_\\w+: .*|non-numeric (offset|length) argument -- .*)$", null);
            case "utimes" -> Grammar.of("^(Bad value for [am]time|futimens: .*)$", "^(Bad value for [am]time|futimens: .*)$", null);
            case "chmod" -> Grammar.of("^fchmod: .*", "^fchmod: .*", null);
            case "syncfs" -> Grammar.of("^syncfs: .*", "^syncfs: .*", null);
            case "sync", "quit" -> Grammar.of(NOTHING, null, null);
            case "print" -> Grammar.of("^(" + FILE_LIST + "|" + MAP_LIST + ")$", null, "^[\\[ ]000[\\] ] .*\\((xfs|foreign),.*");
            // open PATH prints only openfile's perror, or open_f's refusal of -T with -r; open alone is
            // stat on the current file.
            case "open" -> command.strip().equals("open") ? Grammar.of("^(" + NO_FILES + "|fd\\..*|stat\\..*|fsxattr\\..*|dioattr\\..*|fstat: .*)$",
                    null, "^fd\\.path = .*") : Grammar.of("^(/.*: .*|" + TMPFILE_READONLY + ")$", "^(/.*: .*|" + TMPFILE_READONLY + ")$", null);
            case "flink" -> Grammar.of("^(flink: .*|bad argument count \\d+ to flink, .*)$", "^(flink: .*|bad argument count .*)$", null);
            case "close", "file" -> Grammar.of("^(" + NO_FILES + "|" + FILE_LIST + "|close: .*|value -?\\d+ is out of range .*)$",
                    null, "^[\\[ ]000[\\] ] .*");
            case "mmap" -> Grammar.of("^(mmap: .*|" + NO_FILES + "|no mapped regions.*|" + MAP_LIST + "|value -?\\d+ is out of range .*)$",
                    "^mmap: .*", null);
            // A refused range is all a mapping command prints: after other lines it is the next command's.
            case "mread" -> Grammar.of("^([0-9a-f]{8}:  .*|" + REFUSED_RANGE + ")$", "^(" + REFUSED_RANGE + ")$", "^(" + REFUSED_RANGE + ")$");
            case "mwrite", "munmap" -> Grammar.of("^(munmap: .*|" + REFUSED_RANGE + ")$", "^(munmap: .*|" + REFUSED_RANGE + ")$", null);
            case "msync" -> Grammar.of("^(msync: .*|offset .*|range .*|no mapped regions.*)$", "^msync: .*", null);
            case "madvise", "mremap" -> Grammar.of("^(" + name + ": .*|" + REFUSED_RANGE + ")$", "^(" + name + ": .*|" + REFUSED_RANGE + ")$", null);
            case "mincore" -> Grammar.of("^(" + MINCORE_LINE + "|mincore: .*|" + REFUSED_RANGE + ")$", "^(mincore: .*|" + REFUSED_RANGE + ")$",
                    "^(" + REFUSED_RANGE + ")$").orStartsAnother((lines, line) -> nextMincoreRun(lines.getLast(), line));
            case "fadvise", "sync_range" -> Grammar.of("^(sync_file_range: .*|non-numeric (offset|length) argument -- .*)$",
                    "^(sync_file_range: .*|non-numeric (offset|length) argument -- .*)$", null);
            // One line at most per run: openfile's perror for the source, a refused option value, or
            // the system call's error (after which xfs_io runs nothing more).
            // Once (CMD_FLAG_ONESHOT): the report and its timing, or one refusal.
            case "reflink" -> Grammar.of("^(linked \\d+/\\d+ bytes at offset \\d+|" + TIMING + "|" + SHARE_REFUSAL + ")$",
                    "^(" + TIMING + "|" + SHARE_REFUSAL + ")$", null);
            // A refusal ends a run: only a request of over 1 GiB, whose later call is refused, has a
            // report after it (none measured).
            case "dedupe" -> Grammar.of("^(deduped \\d+/\\d+ bytes at offset \\d+|" + TIMING + "|" + SHARE_REFUSAL + ")$",
                    "^(" + TIMING + "|" + SHARE_REFUSAL + ")$", null);
            case "copy_range" -> Grammar.of("^(" + COPY_REFUSAL + ")$", "^(" + COPY_REFUSAL + ")$", null);
            // With -q a run prints only its refusal.
            case "sendfile" -> QUIET_SEND.matcher(command).find() ? Grammar.of("^(" + SEND_REFUSAL + ")$", "^(" + SEND_REFUSAL + ")$", null) : Grammar.of("^(sent \\d+/\\d+ bytes at offset \\d+|" + TIMING + "|" + SEND_REFUSAL + ")$",
                    "^(" + TIMING + "|" + SEND_REFUSAL + ")$", null);
            // jdax-only commands (counters, badblocks ...) are unknown to Linux's xfs_io: it says so.
            default -> Grammar.of("^command \".*\" not found$", "^command \".*\" not found$", null);
        };
    }

    /** io/bulkstat.c's help, which bulkstat and inumbers print for a bad option or an operand. */
    private static final String BULK_HELP = "Bulk-queries the filesystem for inode stat information and prints it\\.|"
            + "|   -[adqens] <\\w+> .*|   -[dq]         .*|   -v <ver>   Use this version of the ioctl \\(1 or 5\\)\\.";
    private static final String BULK_HELP_LAST = "   -v <ver>   Use this version of the ioctl \\(1 or 5\\)\\.";
    /** What ends xfs_io's bulk commands before they print anything else: a bad number or version. */
    private static final String BULK_ENDS = "\\S+: Numerical result out of range|version must be 1 or 5\\.";
    /** A word of options ({@code -dq}); the options with values are taken out before it is looked for. */
    private static final Pattern BULK_OPTION = Pattern.compile("(?<=\\s)-[a-z]+");
    private static final Pattern BULK_DEBUG = Pattern.compile("^bulkstat: startino=-?\\d+ .*");
    private static final Pattern BULK_FIRST = Pattern.compile("^(bs_ino|xi_startino) = (\\d+)$");

    /**
     * bulkstat and inumbers: one walk a run, its records (bulkstat's 25 lines each, inumbers' 4;
     * none under bulkstat's -q) in ascending inode order, under -d a debug line per call, the last
     * one's {@code ocount=0}; or the error, or the help. Two runs in a row print the same shapes, so
     * a record that does not come after the one before it, and a debug line in a run that had none,
     * start the next run. (The scenarios put {@code print} between two such commands anyway.)
     */
    private static Grammar bulkWalk(String name, String command) {
        String flags = String.join("", BULK_OPTION.matcher(command.replaceAll("-[aensv]\\s*\\S+", "")).results()
                .map(java.util.regex.MatchResult::group).toList());
        boolean debug = flags.contains("d");
        boolean quiet = name.equals("bulkstat") && flags.contains("q");
        String record = quiet ? "(?!)" : name.equals("bulkstat") ? "bs_ino = \\d+|\\tbs_\\w+ = .*" : "xi_startino = \\d+|\\txi_\\w+ = .*";
        String error = name.equals("bulkstat") ? "xfrog_bulkstat: .*" : "xfrog_inumbers: .*";
        String may = "^(" + record + (debug ? "|bulkstat: startino=.*|" : "|") + error + "|" + BULK_ENDS + "|" + BULK_HELP + ")$";
        String ends = "^(" + error + "|" + BULK_ENDS + "|bulkstat: startino=.* ocount=0|" + BULK_HELP_LAST + ")$";
        return new Grammar(Pattern.compile(may), Pattern.compile(ends), (lines, line) -> {
            Matcher now = BULK_FIRST.matcher(line);
            if (now.matches()) {
                for (int i = lines.size() - 1; i >= 0; i--) {
                    Matcher before = BULK_FIRST.matcher(lines.get(i));
                    if (before.matches()) {
                        return Long.parseUnsignedLong(now.group(2)) <= Long.parseUnsignedLong(before.group(2));
                    }
                }
                return false;
            }
            return BULK_DEBUG.matcher(line).matches() && lines.stream().noneMatch(l -> BULK_DEBUG.matcher(l).matches());
        });
    }

    /**
     * bulkstat_single: for each inode named, its record (after its debug line under -d) or
     * libfrog's error line; a run ends once it has one for each, or at a bad number or version.
     */
    private static Grammar bulkSingle(String command) {
        String[] w = command.strip().split("\\s+");
        int named = 0;
        for (int i = 1; i < w.length; i++) {
            if (w[i].equals("-v")) {
                i++;
            } else if (!w[i].startsWith("-")) {
                named++;
            }
        }
        int items = named;
        String may = "^(bs_ino = \\d+|\\tbs_\\w+ = .*|bulkstat_single: startino=.*|xfrog_bulkstat_single: .*|" + BULK_ENDS
                + "|Queries the filesystem for a single inode's stat information and prints it\\.|If a given inode .*|inode will .*"
                + "|   -[vd] .*|Pass in inode numbers or a special inode name:|    root     Root directory\\.|)$";
        Pattern item = Pattern.compile("^(bulkstat_single: startino=.*|xfrog_bulkstat_single: .*|bs_ino = \\d+)$");
        return new Grammar(Pattern.compile(may), Pattern.compile("^(" + BULK_ENDS + "|    root     Root directory\\.)$"),
                (lines, line) -> {
                    if (!item.matcher(line).matches() || line.startsWith("bs_ino") && lines.getLast().startsWith("bulkstat_single: ")) {
                        return false;
                    }
                    int done = 0;
                    for (int i = 0; i < lines.size(); i++) {
                        String l = lines.get(i);
                        boolean afterDebug = i > 0 && lines.get(i - 1).startsWith("bulkstat_single: ");
                        if (item.matcher(l).matches() && !(l.startsWith("bs_ino") && afterDebug)) {
                            done++;
                        }
                    }
                    return done >= items;
                });
    }

    /**
     * Whether a walk's run ended with its root (nftw's FTW_DEPTH visits a directory after what is
     * in it): its last line names a directory that holds the path of every line before it.
     */
    private static boolean afterWalkRoot(List<String> lines, String line) {
        Matcher last = WALK_LINE.matcher(lines.getLast());
        if (lines.size() < 2 || !last.matches()) {
            return false;
        }
        String root = last.group(1) + "/";
        for (String l : lines.subList(0, lines.size() - 1)) {
            Matcher m = WALK_LINE.matcher(l);
            if (!m.matches() || !m.group(1).startsWith(root)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Rows for the scenario's commands and process ends, holding Linux's lines.
     *
     * @param lines the {@code .out} file's lines
     */
    static List<OutputRow> segment(Scenario s, List<String> lines) {
        List<OutputRow> rows = new ArrayList<>();
        int at = 0;
        if (s.recordsMount()) {
            // The measuring guest's record of a refused mount comes first; then nothing ran.
            List<String> mount = new ArrayList<>();
            while (at < lines.size() && MOUNT.matcher(lines.get(at)).matches()) {
                mount.add(lines.get(at++));
            }
            rows.add(new OutputRow(OutputRow.MOUNT_KEY, "mount", mount));
        }
        boolean couldFault = false;
        // xfs_io runs a command that is not one-shot once per open file: the harness's /mnt/file,
        // and one more for each `open PATH` (a `close` closes one, a badblock starts a new process).
        int openFiles = 1;
        // How many mappings the process has: "no mapped regions" is only printed with none.
        int mappings = 0;
        for (int i = 0; i < s.commands().size(); i++) {
            String cmd = s.commands().get(i);
            if (s.isBadblock(i)) {
                at = processEnd(rows, lines, at, i, couldFault);
                couldFault = false;
                openFiles = 1;
                mappings = 0;
                rows.add(new OutputRow(OutputRow.commandKey(i), cmd, List.of()));
                continue;
            }
            couldFault |= MAPPED_ACCESS.matcher(cmd).lookingAt();
            Grammar g = grammar(cmd);
            // A command Linux's xfs_io does not know is "not found" once, however many files are open.
            int runs = XfsIoProcess.isOneShot(cmd) || XfsIoProcess.isJdaxOnly(cmd) ? 1 : openFiles;
            List<String> mine = new ArrayList<>();
            int maxDumpLines = maxDumpLines(cmd) * runs;
            int started = 0;
            int ended = 0;
            String typed = cmd.strip().split("\\s+")[0];
            String name = XfsIoProcess.canonicalName(typed);
            while (at < lines.size()) {
                String line = lines.get(at);
                boolean usage = g.usage() && USAGE_OR_ARG.matcher(line).matches() && line.startsWith(name + " ")
                        || refusedUnder(line, typed, name);
                boolean complaint = GETOPT.matcher(line).matches() && line.startsWith(typed + ": ");
                if (!usage && !complaint && !g.may().matcher(line).matches()
                        || line.startsWith(NO_MAPPINGS) && mappings >= (name.equals("munmap") ? runs : 1)) {
                    break;
                }
                if (mine.isEmpty()) {
                    started = 1;
                } else if (complaint || g.startsAnother().test(mine, line)) {
                    // getopt complains before a run prints anything: after lines, it is the next run's.
                    if (started >= runs) {
                        break;
                    }
                    started++;
                }
                // Every run of mread has dumped its lines: what follows is another command's.
                if (maxDumpLines >= 0 && dumpLines(mine) >= maxDumpLines) {
                    break;
                }
                mine.add(line);
                at++;
                // getopt's complaint is never the last line: the usage line follows it.
                if ((usage || (!complaint && g.ends() != null && g.ends().matcher(line).matches())) && ++ended >= runs) {
                    break;
                }
            }
            openFiles += openFilesChange(cmd, openFiles, mine);
            mappings += mappingsChange(cmd, mappings, runs, mine);
            rows.add(new OutputRow(OutputRow.commandKey(i), cmd, mine));
        }
        at = processEnd(rows, lines, at, -1, true);
        if (at < lines.size()) {
            // Lines no command could have printed: keep them visible, on the last row.
            OutputRow last = rows.remove(rows.size() - 1);
            List<String> all = new ArrayList<>(last.lines());
            all.addAll(lines.subList(at, lines.size()));
            rows.add(new OutputRow(last.key(), last.command(), all));
        }
        return rows;
    }

    /**
     * One mincore prints its runs of resident pages in file order, each ended by a page that is not
     * resident: a run that starts at or before the end of the last one is the next mincore's (two
     * mincores in a row often print the same runs).
     */
    private static boolean nextMincoreRun(String lastLine, String line) {
        Matcher now = MINCORE_RUN.matcher(line);
        Matcher last = MINCORE_RUN.matcher(lastLine);
        return now.matches() && last.matches()
                && Long.parseLong(now.group(1)) <= Long.parseLong(last.group(1)) + Long.parseLong(last.group(2));
    }

    /** Whether libxcmd refused the command typed as {@code typed} (called {@code name}) before it ran. */
    private static boolean refusedUnder(String line, String typed, String name) {
        Matcher m = REFUSED.matcher(line);
        if (!m.matches()) {
            return false;
        }
        // The count names the command as typed (argv[0]); the foreign check by its name.
        String named = m.group(2) != null ? m.group(2) : m.group(3);
        return named.equals(typed) || named.equals(name);
    }

    /**
     * The trailer of one xfs_io process. A signal line can only end a process that touched a mapping:
     * when a process before a badblock did not, a {@code Bus error} after it is the next process's
     * (its mapped loads print nothing before the signal).
     */
    private static int processEnd(List<OutputRow> rows, List<String> lines, int at, int badblockIndex, boolean couldFault) {
        List<String> mine = new ArrayList<>();
        while (at < lines.size() && PROCESS_END.matcher(lines.get(at)).matches()
                && (couldFault || lines.get(at).startsWith("exit "))) {
            mine.add(lines.get(at++));
        }
        rows.add(new OutputRow(OutputRow.processEndKey(badblockIndex),
                badblockIndex < 0 ? "(end of xfs_io)" : "(xfs_io ends before badblock)", mine));
        return at;
    }

    /**
     * What a command does to the number of open files: {@code open PATH} adds one unless it printed
     * an error ({@code printed}: its lines), {@code close} removes one.
     */
    private static int openFilesChange(String cmd, int openFiles, List<String> printed) {
        String[] w = cmd.strip().split("\\s+");
        if (w[0].equals("close")) {
            return openFiles > 0 ? -1 : 0;
        }
        return w[0].equals("open") && w.length > 1 && !w[w.length - 1].startsWith("-") && printed.isEmpty() ? 1 : 0;
    }

    /**
     * What a command does to the number of mappings: {@code mmap OFF LEN} (with options or not) adds
     * one unless it printed an error; each of munmap's runs (one per open file) removes one while
     * there is one, and says there is none after.
     */
    private static int mappingsChange(String cmd, int mappings, int runs, List<String> printed) {
        String[] w = cmd.strip().split("\\s+");
        String name = XfsIoProcess.canonicalName(w[0]);
        if (name.equals("munmap")) {
            return -Math.min(runs, mappings);
        }
        return name.equals("mmap") && w.length > 2 && printed.isEmpty() ? 1 : 0;
    }

    /** mread -v/-f of LEN bytes dumps ceil(LEN/16) lines (pread's end with its report line). */
    private static int maxDumpLines(String cmd) {
        String[] w = cmd.split("\\s+");
        if (!w[0].equals("mread") || w.length < 3) {
            return -1;
        }
        try {
            long len = dev.jdax.cli.xfsio.Numbers.parse(w[w.length - 1]);
            return (int) Math.min(Integer.MAX_VALUE, (len + 15) / 16);
        } catch (dev.jdax.api.FsException e) {
            return -1;
        }
    }

    private static int dumpLines(List<String> lines) {
        int n = 0;
        for (String l : lines) {
            if (DUMP.matcher(l).matches()) {
                n++;
            }
        }
        return n;
    }
}
