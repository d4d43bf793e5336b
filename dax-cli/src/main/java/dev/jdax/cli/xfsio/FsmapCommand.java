package dev.jdax.cli.xfsio;

import dev.jdax.api.FsException;
import dev.jdax.api.fs.FsmapKeys;
import dev.jdax.api.fs.FsmapRecord;
import dev.jdax.api.fs.XfsGeometry;

import java.util.List;
import java.util.Map;

/**
 * {@code fsmap [-d|-l|-r] [-m|-v] [-n nx] [start] [end]} (io/fsmap.c, xfsprogs 6.1): the owners of
 * the file system's space, FS_IOC_GETFSMAP, in 512-byte units. {@code start} and {@code end}, which
 * need a device, count 512-byte blocks (xfs_io shifts cvtnum's number, so {@code 1m} is 512 MiB).
 * Plain lines, {@code -m}'s comma-separated ones, or {@code -v}'s table with AG columns (which needs
 * XFS's geometry: elsewhere "can't get geometry"). {@code -n} sizes xfs_io's batches, which do not
 * change what is printed. jdax's devices have no numbers: records show device 0:0 where Linux shows
 * the pmem device's (259:0 on the reference machine), and jdax's file systems have no external
 * log or realtime device, so {@code -l} and {@code -r} print nothing, as on Linux with an internal
 * log. On a file system other than XFS, {@code -d}, {@code -l} and {@code -r} fail EINVAL: xfs_io
 * passes a device number it never set (below).
 */
final class FsmapCommand extends NamedCommand {
    private static final int BB_SHIFT = 9;
    /** The device jdax reports for every record: none (major and minor 0). */
    private static final String DEVICE = "0:0";
    /** Verbose flag bits, printed in octal (io/fsmap.c's FLG_*). */
    private static final int FLG_ATTR_FORK = 01000000;
    private static final int FLG_SHARED = 00100000;
    private static final int FLG_PRE = 00010000;
    private static final int FLG_BSU = 00001000;
    private static final int FLG_ESU = 00000100;
    private static final int FLG_BSW = 00000010;
    private static final int FLG_ESW = 00000001;
    private static final int NFLG = 7;
    private static final int MINRANGE_WIDTH = 16;

    FsmapCommand() {
        super("fsmap", null, "[-d|-l|-r] [-m|-v] [-n nx] [start] [end]", "print filesystem mapping for a range of blocks",
                Arguments.ANY, 0);
    }

    @Override
    public void run(XfsIoProcess p, List<String> argv) {
        boolean data = false;
        boolean log = false;
        boolean realtime = false;
        boolean machine = false;
        int verbose = 0;
        GetOpt g = p.getopt(argv, "dlmn:rv");
        for (int c; (c = g.next()) != -1; ) {
            switch (c) {
                case 'd' -> data = true;
                case 'l' -> log = true;
                case 'r' -> realtime = true;
                case 'm' -> machine = true;
                case 'v' -> verbose++;
                case 'n' -> {
                    Long n = Strtoull.parse(g.optarg(), 10);
                    if (n == null || Long.compareUnsigned(n, 0xffffffffL) > 0) {
                        p.usage(this);
                        return;
                    }
                }
                default -> {
                    p.usage(this);
                    return;
                }
            }
        }
        int at = g.optind();
        int devices = (data ? 1 : 0) + (log ? 1 : 0) + (realtime ? 1 : 0);
        if (devices > 1 || machine && verbose > 0 || at < argv.size() && devices == 0) {
            p.usage(this);
            return;
        }
        long start = 0;
        long end = -1;
        if (at < argv.size()) {
            start = p.number(argv.get(at));
            if (start < 0) {
                fail(p, "Bad rmap start_bblock " + argv.get(at) + ".");
                return;
            }
            start <<= BB_SHIFT;
        }
        if (at + 1 < argv.size()) {
            end = p.number(argv.get(at + 1));
            if (end < 0) {
                fail(p, "Bad rmap end_bblock " + argv.get(at + 1) + ".");
                return;
            }
            end <<= BB_SHIFT;
        }
        String name = p.file().name();
        XfsGeometry geo = null;
        if (verbose > 0) {
            try {
                geo = p.fs().xfsGeometry();
            } catch (FsException e) {
                fail(p, "xfs_io: can't get geometry [\"" + name + "\"]: " + e.errno().message());
                return;
            }
        }
        List<FsmapRecord> records;
        try {
            FsmapKeys.Device device = devices == 0 ? FsmapKeys.Device.ALL
                    // xfs_io's openfile returns before it fills in fs_path for a file of another file
                    // system (!platform_test_xfs_fd), so -d, -l and -r pass the device numbers its
                    // uninitialised stack held: measured on Linux 6.1, 0xb1e96b00, 0xc9b60f75 and
                    // 0x65b63abb, none of them the ext4 file system's, which refused each (EINVAL).
                    : p.foreign() ? FsmapKeys.Device.OTHER
                    : data ? FsmapKeys.Device.DATA : log ? FsmapKeys.Device.LOG : FsmapKeys.Device.REALTIME;
            records = p.fs().getfsmap(new FsmapKeys(device, start, end));
        } catch (FsException e) {
            fail(p, "xfs_io: xfsctl(XFS_IOC_GETFSMAP) iflags=0x0 [\"" + name + "\"]: " + e.errno().message());
            return;
        }
        if (records.isEmpty()) {
            return;
        }
        if (geo != null) {
            verbose(p.out(), records, geo);
        } else if (machine) {
            machine(p.out(), records);
        } else {
            plain(p.out(), records);
        }
    }

    private static void fail(XfsIoProcess p, String line) {
        p.out().err(line);
        p.setExitCode(1);
    }

    /** dump_map. */
    private static void plain(XfsIoOutput out, List<FsmapRecord> records) {
        for (int i = 0; i < records.size(); i++) {
            FsmapRecord r = records.get(i);
            String owner;
            if (r.isSpecial()) {
                owner = specialOwner(r.owner());
            } else if ((r.flags() & FsmapRecord.FMR_OF_EXTENT_MAP) != 0) {
                owner = "inode " + r.owner() + " " + fork(r) + " extent map";
            } else {
                owner = "inode " + r.owner() + " " + fork(r) + " " + range(r.offset(), r.length());
            }
            out.out("\t" + i + ": " + DEVICE + " " + blocks(r) + " " + owner + " " + (r.length() >> BB_SHIFT));
        }
    }

    /** dump_map_machine. */
    private static void machine(XfsIoOutput out, List<FsmapRecord> records) {
        out.out("EXT,MAJOR,MINOR,PSTART,PEND,OWNER,OSTART,OEND,LENGTH");
        for (int i = 0; i < records.size(); i++) {
            FsmapRecord r = records.get(i);
            String owner;
            if (r.isSpecial()) {
                owner = "special_" + FsmapRecord.ownerType(r.owner()) + ":" + Integer.toUnsignedString(FsmapRecord.ownerCode(r.owner())) + ",,";
            } else if ((r.flags() & FsmapRecord.FMR_OF_EXTENT_MAP) != 0) {
                owner = "inode_" + r.owner() + "_" + fork(r) + "_bmbt,,";
            } else {
                owner = "inode_" + r.owner() + "_" + fork(r) + "," + (r.offset() >> BB_SHIFT) + ","
                        + ((r.offset() + r.length() - 1) >> BB_SHIFT);
            }
            out.out(i + ",0,0," + (r.physical() >> BB_SHIFT) + "," + ((r.physical() + r.length() - 1) >> BB_SHIFT) + ","
                    + owner + "," + (r.length() >> BB_SHIFT));
        }
    }

    /** dump_map_verbose: the table with AG columns, widths from the records, the flag legend when a flag was set. */
    private static void verbose(XfsIoOutput out, List<FsmapRecord> records, XfsGeometry geo) {
        long bperag = geo.agblocks() * geo.blocksize();
        long sunit = geo.sunit() * geo.blocksize();
        long swidth = geo.swidth() * geo.blocksize();
        int nrW = 4;
        int devW = Math.max(3, DEVICE.length());
        int boffW = MINRANGE_WIDTH;
        int ownW = MINRANGE_WIDTH;
        int foffW = MINRANGE_WIDTH;
        int aoffW = MINRANGE_WIDTH;
        int totW = 5;
        boolean anyFlag = false;
        for (int i = 0; i < records.size(); i++) {
            FsmapRecord r = records.get(i);
            anyFlag |= flags(r, sunit, swidth) != 0;
            nrW = Math.max(nrW, String.valueOf(i).length());
            boffW = Math.max(boffW, blocks(r).length());
            ownW = Math.max(ownW, (r.isSpecial() ? specialOwner(r.owner()) : String.valueOf(r.owner())).length());
            if ((r.flags() & FsmapRecord.FMR_OF_EXTENT_MAP) != 0) {
                foffW = Math.max(foffW, "extent_map".length());
            } else if (!r.isSpecial()) {
                foffW = Math.max(foffW, range(r.offset(), r.length()).length());
            }
            aoffW = Math.max(aoffW, agRange(r, bperag).length());
            totW = Math.max(totW, String.valueOf(r.length() >> BB_SHIFT).length());
        }
        int agnoW = Math.max(2, String.valueOf(geo.agcount()).length());
        out.out(String.format("%" + nrW + "s: %-" + devW + "s %-" + boffW + "s %-" + ownW + "s %-" + foffW + "s %" + agnoW
                + "s %-" + aoffW + "s %" + totW + "s%s", "EXT", "DEV", "BLOCK-RANGE", "OWNER", "FILE-OFFSET", "AG",
                "AG-OFFSET", "TOTAL", anyFlag ? " FLAGS" : ""));
        for (int i = 0; i < records.size(); i++) {
            FsmapRecord r = records.get(i);
            int flg = flags(r, sunit, swidth);
            String owner = r.isSpecial() ? specialOwner(r.owner()) : String.valueOf(r.owner());
            String agno = String.valueOf(r.physical() / bperag);
            boolean extentMap = (r.flags() & FsmapRecord.FMR_OF_EXTENT_MAP) != 0;
            String offsets = extentMap ? "extent map" : r.isSpecial() ? " " : range(r.offset(), r.length());
            String line = String.format("%" + nrW + "d: %-" + devW + "s %-" + boffW + "s %-" + ownW + "s %-" + foffW + "s %-"
                    + agnoW + "s %-" + aoffW + "s %" + totW + "d", i, DEVICE, blocks(r), owner, offsets, agno,
                    agRange(r, bperag), r.length() >> BB_SHIFT);
            // An extent-map block's line has no flags (dump_map_verbose prints them only for the others).
            if (!extentMap && flg != 0) {
                line += String.format(" %0" + NFLG + "o", flg);
            }
            out.out(line);
        }
        if (anyFlag) {
            out.out(" FLAG Values:");
            out.out(String.format("    %0" + (NFLG + 1) + "o Attribute fork", FLG_ATTR_FORK));
            out.out(String.format("    %0" + (NFLG + 1) + "o Shared extent", FLG_SHARED));
            out.out(String.format("    %0" + (NFLG + 1) + "o Unwritten preallocated extent", FLG_PRE));
            out.out(String.format("    %0" + (NFLG + 1) + "o Doesn't begin on stripe unit", FLG_BSU));
            out.out(String.format("    %0" + (NFLG + 1) + "o Doesn't end   on stripe unit", FLG_ESU));
            out.out(String.format("    %0" + (NFLG + 1) + "o Doesn't begin on stripe width", FLG_BSW));
            out.out(String.format("    %0" + (NFLG + 1) + "o Doesn't end   on stripe width", FLG_ESW));
        }
    }

    /** A record's verbose flags: its own, and where it misses the stripe unit and width. */
    private static int flags(FsmapRecord r, long sunit, long swidth) {
        int flg = 0;
        if ((r.flags() & FsmapRecord.FMR_OF_PREALLOC) != 0) {
            flg |= FLG_PRE;
        }
        if ((r.flags() & FsmapRecord.FMR_OF_ATTR_FORK) != 0) {
            flg |= FLG_ATTR_FORK;
        }
        if ((r.flags() & FsmapRecord.FMR_OF_SHARED) != 0) {
            flg |= FLG_SHARED;
        }
        if (sunit != 0) {
            long endByte = r.physical() + r.length();
            flg |= (r.physical() % sunit != 0 ? FLG_BSU : 0) | (endByte % sunit != 0 ? FLG_ESU : 0)
                    | (r.physical() % swidth != 0 ? FLG_BSW : 0) | (endByte % swidth != 0 ? FLG_ESW : 0);
        }
        return flg;
    }

    /** io/fsmap.c's special_owner: the owners xfs_io names (XFS's, which ext4 shares where it can). */
    private static final Map<Long, String> OWNER_NAMES = Map.of(
            FsmapRecord.OWN_FREE, "free space", FsmapRecord.OWN_UNKNOWN, "unknown", FsmapRecord.OWN_FS, "static fs metadata",
            FsmapRecord.OWN_LOG, "journalling log", FsmapRecord.OWN_AG, "per-AG metadata", FsmapRecord.OWN_INOBT, "inode btree",
            FsmapRecord.OWN_INODES, "inodes", FsmapRecord.OWN_REFC, "refcount btree", FsmapRecord.OWN_COW, "cow reservation",
            FsmapRecord.OWN_DEFECTIVE, "defective");

    /** An owner's name, or {@code special TYPE:CODE} for one xfs_io does not name (ext4's descriptors and bitmaps). */
    private static String specialOwner(long owner) {
        String name = OWNER_NAMES.get(owner);
        return name != null ? name
                : "special " + FsmapRecord.ownerType(owner) + ":" + Integer.toUnsignedString(FsmapRecord.ownerCode(owner));
    }

    private static String fork(FsmapRecord r) {
        return (r.flags() & FsmapRecord.FMR_OF_ATTR_FORK) != 0 ? "attr" : "data";
    }

    private static String blocks(FsmapRecord r) {
        return "[" + (r.physical() >> BB_SHIFT) + ".." + ((r.physical() + r.length() - 1) >> BB_SHIFT) + "]:";
    }

    private static String range(long offset, long length) {
        return (offset >> BB_SHIFT) + ".." + ((offset + length - 1) >> BB_SHIFT);
    }

    private static String agRange(FsmapRecord r, long bperag) {
        long agoff = r.physical() - r.physical() / bperag * bperag;
        return "(" + (agoff >> BB_SHIFT) + ".." + ((agoff + r.length() - 1) >> BB_SHIFT) + ")";
    }
}
