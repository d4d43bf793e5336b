package dev.jdax.cli.compare;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Removes what varies from run to run or machine to machine before outputs are compared, as the
 * reference says to: the timing lines, {@code fd.path}, fiemap's physical block numbers (with the
 * column widths that depend on them), the timestamps and device numbers of raw stat output (but
 * not times a script set, see {@link #SET_BEFORE}), bulkstat's clock times and generation
 * numbers, fsmap's device numbers (with the column widths
 * of {@code -v} that follow them), and the addresses of xfs_io's mapping list.
 * Physical blocks are kept where jdax places blocks as Linux does ({@link #keepsPhysical}): ext4,
 * whose mkfs lays the file system out as mke2fs does and whose allocator decides as mballoc does,
 * and XFS, whose mkfs lays it out as mkfs.xfs does on pmem (4 KiB sectors) and whose allocator
 * decides as xfs_alloc does — so that Linux's numbers (the same from run to run on the reference
 * machine) are compared too; only the column widths go.
 */
final class Normalizer {
    private static final Pattern TIMING =
            Pattern.compile("^\\S+ (bytes|KiB|MiB|GiB|TiB|PiB|EiB), \\d+ ops[;,] .*sec.*$");
    private static final Pattern FIEMAP_VERBOSE =
            Pattern.compile("^\\s*(\\d+): (\\[\\d+\\.\\.\\d+\\]:)\\s+(\\d+\\.\\.\\d+|hole)\\s+(\\d+)(?:\\s+(0x[0-9a-f]+))?$");
    private static final Pattern FIEMAP_PLAIN = Pattern.compile("^\\t(\\d+): (\\[\\d+\\.\\.\\d+\\]:) (\\d+\\.\\.\\d+|hole)(.*)$");
    private static final Pattern FIEMAP_HEADER = Pattern.compile("^\\s*EXT:\\s+FILE-OFFSET\\s+BLOCK-RANGE\\s+TOTAL\\s+FLAGS$");

    /** fsmap's lines: the device number (jdax's devices have none) goes; -v's column widths, which follow it, go too. */
    private static final Pattern FSMAP_PLAIN = Pattern.compile("^\\t(\\d+): \\d+:\\d+ (\\[\\d+\\.\\.\\d+\\]: .*)$");
    private static final Pattern FSMAP_MACHINE = Pattern.compile("^(\\d+),\\d+,\\d+,(\\d+,\\d+,(special_|inode_).*)$");
    private static final Pattern FSMAP_VERBOSE = Pattern.compile("^\\s*(\\d+): \\d+:\\d+ +(\\[\\d+\\.\\.\\d+\\]:.*)$");
    private static final Pattern FSMAP_HEADER = Pattern.compile("^\\s*EXT: DEV +BLOCK-RANGE +OWNER .*$");

    /** Timestamps and device numbers of {@code stat -r} / {@code statx -r}: they vary with the clock and the machine. */
    private static final Pattern RAW_STAT_VARYING =
            Pattern.compile("^stat\\.((a|b|c|m)time\\.tv_n?sec|dev_major|dev_minor) = \\d+$");

    /**
     * Seconds since the epoch (2001-09-09) below which a raw stat time was set by the script
     * ({@code utimes}), not read from a clock: such a time and its nanoseconds are compared. Linux's
     * and jdax's clocks are both long past it.
     */
    static final long SET_BEFORE = 1_000_000_000L;

    /**
     * Seconds since the epoch (2096-10-02) from which a raw stat time was set by the script too: an
     * access time in the future is how a script shows relatime leaving one alone.
     */
    static final long SET_FROM = 4_000_000_000L;

    private static final Pattern RAW_STAT_TIME = Pattern.compile("^stat\\.([abcm]time)\\.tv_(n?sec) = (\\d+)$");

    /**
     * bulkstat's times ({@code bs_atime = SEC.NSEC}): a clock's are not compared, a time the
     * script set (or 0, mkfs's root access time and v1's missing birth time) is.
     */
    private static final Pattern BULKSTAT_TIME = Pattern.compile("^\\tbs_([abcm]time) = (\\d+)\\.\\d+$");
    /** bulkstat's generation numbers: random per inode on Linux, so not compared. */
    private static final Pattern BULKSTAT_GEN = Pattern.compile("^\\tbs_gen = 0x[0-9a-f]+$");

    /** maplist_f's lines: the addresses are the process's own. */
    private static final Pattern MAP_LIST = Pattern.compile("^([\\[ ]\\d{3}[\\] ]) 0x[0-9a-f]+ - 0x[0-9a-f]+ (.*)$");

    /** mincore_f's lines: the addresses are the process's own; the page count and file range are compared. */
    private static final Pattern MINCORE = Pattern.compile("^0x[0-9a-f]+ - 0x[0-9a-f]+  (\\d+ pages \\(\\d+ : \\d+\\))$");

    /**
     * The file-system types whose fiemap physical blocks are compared: ext4 (mke2fs's layout,
     * mballoc's decisions) and xfs, whose mkfs leaves the free space as mkfs.xfs does on pmem and
     * whose allocator decides as xfs_bmap_btalloc does.
     */
    static final java.util.Set<String> PHYSICAL_COMPARED = java.util.Set.of("ext4", "xfs");

    private Normalizer() {
    }

    /** {@return whether fiemap's physical blocks are compared for a personality}: those placed as Linux places them. */
    static boolean keepsPhysical(PersonalityConfig config) {
        return PHYSICAL_COMPARED.contains(config.type());
    }

    /** Normalises every varying part, physical blocks included. */
    static List<String> normalize(List<String> lines) {
        return normalize(lines, false);
    }

    static List<String> normalize(List<String> lines, boolean physical) {
        List<String> out = new ArrayList<>(lines.size());
        String setTime = null;
        for (String line : lines) {
            if (TIMING.matcher(line).matches() || line.startsWith("fd.path = ")) {
                continue;
            }
            // statx -r prints a time's seconds, then its nanoseconds: both stay when the seconds were set.
            Matcher t = RAW_STAT_TIME.matcher(line);
            if (t.matches() && t.group(2).equals("sec") && setByScript(Long.parseLong(t.group(3)))) {
                setTime = t.group(1);
                out.add(line);
                continue;
            }
            if (t.matches() && t.group(2).equals("nsec") && t.group(1).equals(setTime)) {
                setTime = null;
                out.add(line);
                continue;
            }
            setTime = null;
            out.add(normalizeLine(line, physical));
        }
        return out;
    }

    static String normalizeLine(String line) {
        return normalizeLine(line, false);
    }

    /** One line; with {@code physical} fiemap's block ranges stay (only the column widths are normalised). */
    static String normalizeLine(String line, boolean physical) {
        Matcher m = FIEMAP_VERBOSE.matcher(line);
        if (m.matches()) {
            String phys = m.group(3).equals("hole") ? "hole" : physical ? m.group(3) : "*";
            return m.group(1) + ": " + m.group(2) + " " + phys + " " + m.group(4)
                    + (m.group(5) == null ? "" : " " + m.group(5));
        }
        m = FIEMAP_PLAIN.matcher(line);
        if (m.matches()) {
            return "\t" + m.group(1) + ": " + m.group(2) + " " + (m.group(3).equals("hole") || physical ? m.group(3) : "*") + m.group(4);
        }
        if (RAW_STAT_VARYING.matcher(line).matches()) {
            return line.substring(0, line.indexOf('=') + 1) + " *";
        }
        m = BULKSTAT_TIME.matcher(line);
        if (m.matches() && !setByScript(Long.parseUnsignedLong(m.group(2)))) {
            return "\tbs_" + m.group(1) + " = *";
        }
        if (BULKSTAT_GEN.matcher(line).matches()) {
            return "\tbs_gen = *";
        }
        m = MAP_LIST.matcher(line);
        if (m.matches()) {
            return m.group(1) + " * - * " + m.group(2);
        }
        m = MINCORE.matcher(line);
        if (m.matches()) {
            return "* - *  " + m.group(1);
        }
        m = FSMAP_PLAIN.matcher(line);
        if (m.matches()) {
            return "\t" + m.group(1) + ": DEV " + m.group(2);
        }
        m = FSMAP_MACHINE.matcher(line);
        if (m.matches()) {
            return m.group(1) + ",DEV," + m.group(2);
        }
        m = FSMAP_VERBOSE.matcher(line);
        if (m.matches()) {
            return m.group(1) + ": DEV " + m.group(2).replaceAll(" +", " ");
        }
        if (FSMAP_HEADER.matcher(line).matches()) {
            return line.strip().replaceAll(" +", " ");
        }
        if (FIEMAP_HEADER.matcher(line).matches()) {
            return "EXT: FILE-OFFSET BLOCK-RANGE TOTAL FLAGS";
        }
        return line;
    }

    private static boolean setByScript(long seconds) {
        return seconds < SET_BEFORE || seconds >= SET_FROM;
    }
}
