package dev.jdax.cli.xfsio;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FsxAttr;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.XfsGeometry;

import java.util.List;

/**
 * {@code bmap} ({@code io/bmap.c}, xfsprogs 6.1): an XFS file's block map, holes included, in
 * 512-byte units; {@code -v} places each extent in its allocation group, {@code -p} flags unwritten
 * extents. On other file systems libxcmd refuses it before it runs (XFS_ONLY).
 */
final class BmapCommand extends NamedCommand {
    private static final int FLG_SHARED = 0100000;
    private static final int FLG_PRE = 0010000;
    private static final int FLG_BSU = 0001000;
    private static final int FLG_ESU = 0000100;
    private static final int FLG_BSW = 0000010;
    private static final int FLG_ESW = 0000001;
    private static final long BBSIZE = 512;

    BmapCommand() {
        super("bmap", null, "[-acelpv] [-n nx]", "print block mapping for an XFS file", Arguments.ANY, XFS_ONLY);
    }

    /** What the options asked for. */
    private record Options(int iflags, boolean attr, boolean lengths, int nflag, boolean prealloc, int verbose) {
    }

    @Override
    public void run(XfsIoProcess p, List<String> argv) throws FsException {
        Options o = options(p, argv);
        if (o == null) {
            return;
        }
        OpenFile f = p.file().handle();
        String name = p.file().name();
        XfsGeometry geo = null;
        boolean rt = false;
        if (o.verbose() > 0) {
            try {
                geo = p.fs().xfsGeometry();
            } catch (FsException e) {
                fail(p, "xfs_io: can't get geometry [\"" + name + "\"]: " + e.errno().message());
                return;
            }
            try {
                rt = f.fsxattr().xflags() == FsxAttr.FS_XFLAG_REALTIME;
            } catch (FsException e) {
                fail(p, "xfs_io: cannot read attrs on \"" + name + "\": " + e.errno().message());
                return;
            }
        }
        List<Getbmapx.Entry> map = query(p, o, f, name);
        if (map == null) {
            return;
        }
        if (o.nflag() == 0 && map.isEmpty()) {
            p.out().out(name + ": no extents");
            return;
        }
        int shown = o.nflag() != 0 ? Math.min(o.nflag(), map.size()) : map.size();
        p.out().out(name + ":");
        List<Getbmapx.Entry> rows = map.subList(0, Math.max(0, shown));
        if (o.verbose() == 0) {
            plain(p, rows, o.lengths());
        } else {
            verbose(p, rows, o, geo, rt);
        }
    }

    private Options options(XfsIoProcess p, List<String> argv) {
        int iflags = 0;
        boolean attr = false;
        boolean cow = false;
        boolean lengths = false;
        int nflag = 0;
        boolean prealloc = false;
        int verbose = 0;
        GetOpt g = p.getopt(argv, "aceln:pv");
        for (int c; (c = g.next()) != -1; ) {
            switch (c) {
                case 'a' -> {
                    iflags |= Getbmapx.IF_ATTRFORK;
                    attr = true;
                }
                case 'c' -> {
                    iflags |= Getbmapx.IF_COWFORK | Getbmapx.IF_DELALLOC;
                    cow = true;
                }
                case 'e' -> iflags |= Getbmapx.IF_DELALLOC;
                case 'l' -> lengths = true;
                case 'n' -> nflag = (int) FileCommands.atoi(g.optarg());
                case 'p' -> {
                    prealloc = true;
                    iflags |= Getbmapx.IF_PREALLOC;
                }
                case 'v' -> verbose++;
                default -> {
                    p.usage(this);
                    return null;
                }
            }
        }
        if (attr || cow) {
            iflags &= ~Getbmapx.IF_PREALLOC;
        }
        return new Options(iflags, attr, lengths, nflag, prealloc, verbose);
    }

    /**
     * bmap_f's two tries: 32 records first (or {@code -n}'s count and two), and when they filled,
     * twice the fork's extent count from FS_IOC_FSGETXATTR. Null after an error line.
     */
    private static List<Getbmapx.Entry> query(XfsIoProcess p, Options o, OpenFile f, String name) throws FsException {
        int size = o.nflag() != 0 ? o.nflag() + 2 : 32;
        List<Getbmapx.Entry> map = List.of();
        for (int loop = 0; loop < 2; loop++) {
            try {
                map = Getbmapx.query(f, o.iflags(), size, p.blockSize());
            } catch (FsException e) {
                // An empty file's EINVAL (the CoW fork of one, say) is "no extents" to bmap_f.
                if (e.errno() == Errno.EINVAL && !o.attr() && f.size() == 0) {
                    return List.of();
                }
                fail(p, String.format("xfs_io: xfsctl(XFS_IOC_GETBMAPX) iflags=0x%x [\"%s\"]: %s", o.iflags(), name,
                        e.errno().message()));
                return null;
            }
            if (o.nflag() != 0 || map.size() < size - 1) {
                break;
            }
            FsxAttr fsx;
            try {
                fsx = f.fsxattr();
            } catch (FsException e) {
                fail(p, "xfs_io: xfsctl(FS_IOC_FSGETXATTR" + (o.attr() ? "A" : "") + ") [\"" + name + "\"]: "
                        + e.errno().message());
                return null;
            }
            long extents = o.attr() ? fsx.naextents() : fsx.nextents();
            if (2 * extents > size) {
                size = (int) Math.min(Integer.MAX_VALUE, 2 * extents + 1);
            }
        }
        return map;
    }

    private static void fail(XfsIoProcess p, String line) {
        p.out().err(line);
        p.setExitCode(1);
    }

    /** {@code N: [first..last]: block..block} or {@code hole}, with {@code -l} the length after. */
    private static void plain(XfsIoProcess p, List<Getbmapx.Entry> rows, boolean lengths) {
        for (int i = 0; i < rows.size(); i++) {
            Getbmapx.Entry e = rows.get(i);
            String where = e.block() == Getbmapx.HOLE ? "hole" : blockRange(e);
            p.out().out("\t" + i + ": " + fileRange(e) + " " + where
                    + (lengths ? " " + e.length() + " blocks" : ""));
        }
    }

    /** The table: columns as wide as their widest cell, AG and AG offset, and FLAGS in octal. */
    private static void verbose(XfsIoProcess p, List<Getbmapx.Entry> rows, Options o, XfsGeometry geo, boolean rt) {
        long bbPerAg = rt ? 0 : geo.agblocks() * geo.blocksize() / BBSIZE;
        long sunit = rt ? 0 : geo.sunit() * geo.blocksize() / BBSIZE;
        long swidth = rt ? 0 : geo.swidth() * geo.blocksize() / BBSIZE;
        boolean flagsColumn = sunit != 0 || o.prealloc();
        int foffW = 16;
        int boffW = 16;
        int aoffW = 16;
        int totW = 5;
        for (Getbmapx.Entry e : rows) {
            flagsColumn |= (e.oflags() & Getbmapx.OF_PREALLOC) != 0;
            foffW = Math.max(foffW, fileRange(e).length());
            totW = Math.max(totW, Long.toString(e.length()).length());
            if (e.block() != Getbmapx.HOLE) {
                boffW = Math.max(boffW, blockRange(e).length());
                aoffW = rt ? 0 : Math.max(aoffW, agRange(e, bbPerAg).length());
            }
        }
        int agnoW = rt ? 0 : Math.max(2, Long.toString(geo.agcount()).length());
        p.out().out(right("EXT", 4) + ": " + left("FILE-OFFSET", foffW) + " "
                + left(rt ? "RT-BLOCK-RANGE" : "BLOCK-RANGE", boffW) + " " + right(rt ? "" : "AG", agnoW) + " "
                + left(rt ? "" : "AG-OFFSET", aoffW) + " " + right("TOTAL", totW) + (flagsColumn ? " FLAGS" : ""));
        int flg = 0;
        for (int i = 0; i < rows.size(); i++) {
            Getbmapx.Entry e = rows.get(i);
            flg = flags(e, sunit, swidth);
            StringBuilder line = new StringBuilder(right(Integer.toString(i), 4)).append(": ")
                    .append(left(fileRange(e), foffW)).append(' ');
            if (e.block() == Getbmapx.HOLE) {
                line.append(left("hole", boffW)).append(' ').append(right("", agnoW)).append(' ')
                        .append(left("", aoffW)).append(' ').append(right(Long.toString(e.length()), totW));
            } else {
                line.append(left(blockRange(e), boffW));
                if (rt) {
                    line.append("  ");
                } else {
                    line.append(' ').append(right(Long.toString(e.block() / bbPerAg), agnoW)).append(' ')
                            .append(left(agRange(e, bbPerAg), aoffW));
                }
                line.append(' ').append(right(Long.toString(e.length()), totW));
                if (flg != 0 || o.prealloc()) {
                    line.append(' ').append(String.format("%06o", flg));
                }
            }
            p.out().out(line.toString());
        }
        // bmap_f asks the last row's flags, not any row's, whether to print the legend.
        if ((flg != 0 || o.prealloc()) && o.verbose() > 1) {
            p.out().out(" FLAG Values:");
            legend(p, FLG_SHARED, "Shared extent");
            legend(p, FLG_PRE, "Unwritten preallocated extent");
            legend(p, FLG_BSU, "Doesn't begin on stripe unit");
            legend(p, FLG_ESU, "Doesn't end   on stripe unit");
            legend(p, FLG_BSW, "Doesn't begin on stripe width");
            legend(p, FLG_ESW, "Doesn't end   on stripe width");
        }
    }

    private static int flags(Getbmapx.Entry e, long sunit, long swidth) {
        int flg = (e.oflags() & Getbmapx.OF_PREALLOC) != 0 ? FLG_PRE : 0;
        flg |= (e.oflags() & Getbmapx.OF_SHARED) != 0 ? FLG_SHARED : 0;
        if (sunit != 0) {
            long end = e.block() + e.length();
            flg |= e.block() % sunit != 0 ? FLG_BSU : 0;
            flg |= end % sunit != 0 ? FLG_ESU : 0;
            flg |= e.block() % swidth != 0 ? FLG_BSW : 0;
            flg |= end % swidth != 0 ? FLG_ESW : 0;
        }
        return flg;
    }

    private static void legend(XfsIoProcess p, int flag, String meaning) {
        p.out().out("    " + String.format("%07o", flag) + " " + meaning);
    }

    private static String fileRange(Getbmapx.Entry e) {
        return "[" + e.offset() + ".." + (e.end() - 1) + "]:";
    }

    private static String blockRange(Getbmapx.Entry e) {
        return e.block() + ".." + (e.block() + e.length() - 1);
    }

    private static String agRange(Getbmapx.Entry e, long bbPerAg) {
        long agOffset = e.block() - e.block() / bbPerAg * bbPerAg;
        return "(" + agOffset + ".." + (agOffset + e.length() - 1) + ")";
    }

    // bmap_f pads with %-*s and %*s, whose width is 0 for a realtime file; Java's Formatter refuses
    // a width of 0, so the table pads by hand.
    private static String left(String s, int width) {
        return s.length() >= width ? s : s + " ".repeat(width - s.length());
    }

    private static String right(String s, int width) {
        return s.length() >= width ? s : " ".repeat(width - s.length()) + s;
    }
}
