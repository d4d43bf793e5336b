package dev.jdax.cli.xfsio;

import dev.jdax.api.FsException;
import dev.jdax.api.fs.DirStream;
import dev.jdax.api.fs.FileType;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * {@code readdir [-v] [-o offset] [-l length]} (io/readdir.c, xfsprogs 6.1): the open directory read
 * with readdir(3) from {@code offset} (seekdir; from the start without -o) until {@code length}
 * bytes of records are read, and the count and time. With -v each record: the offset it was read
 * at (the one before's {@code d_off}), {@code d_ino}, {@code d_off}, {@code d_reclen} (glibc's
 * record: 19 bytes of header, the name and its NUL, to 8 bytes), {@code d_type} and the name.
 * The positions are the file system's ({@link DirStream}): ext4's hash cookies, XFS's data-space
 * addresses, ext2's byte offsets. A file that is not a directory makes fdopendir fail, and
 * readdir_f returns without a word. The directory's file position is the table entry's, shared
 * with readdir's dup of it: a readdir leaves it after the last record its getdents fetched (glibc
 * fetches 32 KiB of records at a time), the next one without -o rewinds it, and a negative -o,
 * which lseek refuses, leaves it where it was (measured: after a full listing it reads nothing).
 */
final class ReaddirCommand extends NamedCommand {
    ReaddirCommand() {
        super("readdir", null, "[-v][-o offset][-l length]", "read directory entries", Arguments.between(0, 5), 0);
    }

    @Override
    public void run(XfsIoProcess p, List<String> argv) {
        long offset = -1;
        long length = -1;
        boolean verbose = false;
        GetOpt g = p.getopt(argv, "l:o:v");
        for (int c; (c = g.next()) != -1; ) {
            switch (c) {
                case 'l' -> length = p.number(g.optarg());
                case 'o' -> offset = signedNumber(p, g.optarg());
                case 'v' -> verbose = true;
                default -> {
                    p.usage(this);
                    return;
                }
            }
        }
        OpenedFile f = p.file();
        DirStream s;
        try {
            s = p.fs().getdents(f.handle().ino());
        } catch (FsException e) {
            return; // fdopendir's ENOTDIR, or a read that failed: readdir_f returns -1 and prints nothing
        }
        // The descriptor is a dup of the table's: they share the file position, which the last
        // readdir left where its last getdents stopped. rewinddir (no -o) and seekdir move it; an
        // lseek that fails (a negative offset) leaves it.
        long position = f.position();
        if (offset == -1) {
            offset = 0;
            position = 0;
        } else if (offset >= 0) {
            position = offset;
        }
        long start = System.nanoTime();
        long total = 0;
        int count = 0;
        long at = offset;
        List<DirStream.Entry> entries = s.entries();
        int i = first(s, position);
        int fetched = i;   // entries [i, fetched) are in glibc's buffer
        while (Long.compareUnsigned(total, length) < 0) {
            if (i == fetched) {
                if (i >= entries.size()) {
                    break; // getdents returns nothing: the position stays
                }
                fetched = fill(entries, i);
                position = s.offsetAfter(fetched - 1);
            }
            DirStream.Entry e = entries.get(i);
            int reclen = recordLength(e.name());
            total += reclen;
            count++;
            if (verbose) {
                long off = s.offsetAfter(i);
                p.out().out(String.format(Locale.ROOT, "%08x: d_ino: 0x%08x d_off: 0x%08x d_reclen: 0x%x d_type: %s d_name: %s",
                        at, e.ino(), off, reclen, typeName(e.type()), e.name()));
                at = off;
            }
            i++;
        }
        f.setPosition(position);
        long nanos = System.nanoTime() - start;
        double secs = Math.max(nanos, 1) / 1e9;
        p.out().out(String.format(Locale.ROOT, "read %d bytes from offset %d", total, offset));
        p.out().out(String.format(Locale.ROOT, "%s, %d ops, %s (%s/sec and %.4f ops/sec)", Reports.size(total), count,
                Reports.time(nanos), Reports.size(total / secs), count / secs));
    }

    /** glibc's getdents buffer (opendir's allocation for a directory of 4 KiB st_blksize). */
    private static final int GETDENTS_BUFFER = 32768;

    /** One getdents from entry {@code from}: {@return the index after the last record that fits the buffer} */
    private static int fill(List<DirStream.Entry> entries, int from) {
        int bytes = 0;
        int j = from;
        while (j < entries.size()) {
            int reclen = recordLength(entries.get(j).name());
            if (bytes + reclen > GETDENTS_BUFFER) {
                break;
            }
            bytes += reclen;
            j++;
        }
        return Math.max(j, from + 1);
    }

    /** The first entry at or after position {@code offset} (0: the start). */
    private static int first(DirStream s, long offset) {
        if (offset == 0) {
            return 0;
        }
        List<DirStream.Entry> entries = s.entries();
        for (int i = 0; i < entries.size(); i++) {
            if (Long.compareUnsigned(entries.get(i).pos(), offset) >= 0) {
                return i;
            }
        }
        return entries.size();
    }

    /**
     * cvtnum as readdir_f takes it: strtoll's sign kept (-5 is a position lseek refuses, not "no
     * number"), where the other commands read any negative value as none.
     */
    private static long signedNumber(XfsIoProcess p, String s) {
        if (!s.startsWith("-")) {
            return p.number(s);
        }
        long magnitude = p.number(s.substring(1));
        return magnitude < 0 ? -1 : -magnitude;
    }

    /** glibc's {@code struct dirent64} record: d_ino, d_off, d_reclen, d_type (19 bytes), the name and its NUL, to 8 bytes. */
    static int recordLength(String name) {
        return (19 + name.getBytes(StandardCharsets.UTF_8).length + 1 + 7) & ~7;
    }

    /** {@code d_type_str}: the DT_* name of a type ({@code (mode >> 12) & 15}). */
    static String typeName(FileType t) {
        return switch (t) {
            case FIFO -> "DT_FIFO";
            case CHAR_DEVICE -> "DT_CHR";
            case DIRECTORY -> "DT_DIR";
            case BLOCK_DEVICE -> "DT_BLK";
            case REGULAR -> "DT_REG";
            case SYMLINK -> "DT_LNK";
            case SOCKET -> "DT_SOCK";
            case UNKNOWN -> "DT_UNKNOWN";
        };
    }
}
