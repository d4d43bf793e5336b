package dev.jdax.cli.xfsio;

import dev.jdax.api.FsException;
import dev.jdax.api.fs.StatFs;
import dev.jdax.api.fs.XfsCounts;
import dev.jdax.api.fs.XfsGeometry;

import java.util.List;

/**
 * {@code statfs} ({@code io/stat.c}, xfsprogs 6.1): fstatfs's sizes and counts on any file system,
 * and on XFS its geometry ({@code -g}) and summary counters ({@code -c}); all three without options.
 */
final class StatfsCommand extends NamedCommand {
    private static final int STATFS = 1;
    private static final int GEOMETRY = 2;
    private static final int COUNTS = 4;

    StatfsCommand() {
        super("statfs", null, "[-c] [-g] [-s]", "statistics on the filesystem of the currently open file",
                Arguments.ANY, 0);
    }

    @Override
    public void run(XfsIoProcess p, List<String> argv) throws FsException {
        int report = 0;
        GetOpt g = p.getopt(argv, "cgs");
        for (int c; (c = g.next()) != -1; ) {
            switch (c) {
                case 'c' -> report |= COUNTS;
                case 'g' -> report |= GEOMETRY;
                case 's' -> report |= STATFS;
                default -> {
                    p.usage(this);
                    return;
                }
            }
        }
        if (report == 0) {
            report = STATFS | GEOMETRY | COUNTS;
        }
        XfsIoOutput out = p.out();
        out.out("fd.path = \"" + p.file().name() + "\"");
        if ((report & STATFS) != 0) {
            statfs(p);
        }
        if (p.foreign()) {
            return;
        }
        if ((report & GEOMETRY) != 0) {
            try {
                XfsGeometry geo = p.fs().xfsGeometry();
                out.out("geom.bsize = " + geo.blocksize());
                out.out("geom.agcount = " + geo.agcount());
                out.out("geom.agblocks = " + geo.agblocks());
                out.out("geom.datablocks = " + geo.datablocks());
                out.out("geom.rtblocks = " + geo.rtblocks());
                out.out("geom.rtextents = " + geo.rtextents());
                out.out("geom.rtextsize = " + geo.rtextsize());
                out.out("geom.sunit = " + geo.sunit());
                out.out("geom.swidth = " + geo.swidth());
            } catch (FsException e) {
                p.perror("XFS_IOC_FSGEOMETRY", e);
            }
        }
        if ((report & COUNTS) != 0) {
            try {
                XfsCounts counts = p.fs().xfsCounts();
                out.out("counts.freedata = " + counts.freedata());
                out.out("counts.freertx = " + counts.freertx());
                out.out("counts.freeino = " + counts.freeino());
                out.out("counts.allocino = " + counts.allocino());
            } catch (FsException e) {
                p.perror("XFS_IOC_FSCOUNTS", e);
            }
        }
    }

    private static void statfs(XfsIoProcess p) {
        StatFs st;
        try {
            st = p.fs().statfs();
        } catch (FsException e) {
            p.perror("fstatfs", e);
            return;
        }
        p.out().out("statfs.f_bsize = " + st.bsize());
        p.out().out("statfs.f_blocks = " + st.blocks());
        p.out().out("statfs.f_bavail = " + st.bavail());
        p.out().out("statfs.f_files = " + st.files());
        p.out().out("statfs.f_ffree = " + st.ffree());
        p.out().out("statfs.f_flags = 0x" + Long.toHexString(st.flags()));
    }
}
