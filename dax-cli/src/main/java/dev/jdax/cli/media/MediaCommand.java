package dev.jdax.cli.media;

import dev.jdax.vfs.Vfs;
import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.SigBusException;
import dev.jdax.api.fs.FileMapping;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.FileSystemType;
import dev.jdax.api.fs.FileSystemTypes;
import dev.jdax.api.fs.MkfsOptions;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.pmem.PmemDevices;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code jdax media}: poisons random sectors under a file and runs random reads, writes and mapped
 * loads over them, each checked against the rules of the mount's media-error policy (Linux 6.1's
 * recovery write by default): a read touching a poisoned page is EIO, a write recovers a poisoned
 * page only by covering it whole (else EFAULT, or a short count after clean pages), a mapped load
 * from it is SIGBUS — and no operation ever returns bytes the file does not hold.
 */
@Command(name = "media", mixinStandardHelpOptions = true,
        header = "Random I/O over poisoned sectors, checked against the media-error rules.",
        description = {"Poisons random sectors under a file and runs random reads, writes and mapped loads over "
                + "them, each checked against the mount's media-error policy (recovery_write, Linux 6.1). "
                + "With --tree: poisons sectors anywhere in a populated file system and reads everything."},
        footer = {"", "Exit status: 0 when every case followed the rules, 1 otherwise."})
public final class MediaCommand implements Callable<Integer> {
    private static final int PAGE = 4096;
    private static final int FILE = 1 << 20;

    @Option(names = "-t", required = true, paramLabel = "TYPE", description = "The personality.")
    String type;

    @Option(names = "--cases", paramLabel = "N", description = "Cases (default: ${DEFAULT-VALUE}).")
    int cases = 2000;

    @Option(names = "--seed", paramLabel = "S", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed = 1;

    @Option(names = "--tree", description = {"Poison random sectors anywhere in a populated file system (data and "
            + "metadata) and read every file plainly and mapped, --cases rounds: errors allowed, wrong bytes never."})
    boolean tree;

    @Override
    public Integer call() throws FsException {
        FileSystemType t = FileSystemTypes.byName(type);
        if (tree) {
            return tree(t);
        }
        SplittableRandom r = new SplittableRandom(seed);
        List<String> violations = new ArrayList<>();
        int[] outcomes = new int[6]; // read ok, read EIO, write ok, write EFAULT/short, load ok, SIGBUS
        try (DaxDevice dev = PmemDevices.memory(Math.max(64L << 20, t.minimumSize()))) {
            t.mkfs(dev, MkfsOptions.defaults().withBlockSize(4096));
            try (FileSystem fs = Vfs.mount(t, dev, MountOptions.parse("dax"));
                 OpenFile f = fs.open("/victim", OpenFlags.O_RDWR | OpenFlags.O_CREAT)) {
                byte[] model = new byte[FILE];
                r.nextBytes(model);
                f.write(0, model, 0, FILE);
                f.fsync(false);
                long[] physOf = new long[FILE / PAGE];
                for (var e : f.fiemap(0, FILE)) {
                    for (long p = 0; p < e.length() / PAGE; p++) {
                        physOf[(int) (e.logical() / PAGE + p)] = e.physical() + p * PAGE;
                    }
                }
                for (int k = 0; k < cases; k++) {
                    int badPage = r.nextInt(FILE / PAGE);
                    int sector = r.nextInt(PAGE / 512);
                    long badSector = physOf[badPage] / 512 + sector;
                    dev.badBlocks().add(badSector, 1);
                    String where = "case " + k + " (sector under file page " + badPage + ")";
                    int kind = r.nextInt(3);
                    try {
                        switch (kind) {
                            case 0 -> read(f, r, model, badPage, where, violations, outcomes);
                            case 1 -> write(f, r, model, badPage, where, violations, outcomes);
                            default -> load(f, r, model, badPage, where, violations, outcomes);
                        }
                    } catch (FsException e) {
                        violations.add(where + ": unexpected " + e.describe());
                    }
                    // Restore: clear what is left of the poison, put the page's bytes back.
                    dev.clearPoison(badSector * 512, 512);
                    f.write((long) badPage * PAGE, model, badPage * PAGE, PAGE);
                }
            }
        }
        System.out.printf("media: %s, seed %d, %d cases: reads %d ok / %d EIO, writes %d ok / %d refused, "
                        + "loads %d ok / %d SIGBUS, %d violations%n", type, seed, cases, outcomes[0], outcomes[1],
                outcomes[2], outcomes[3], outcomes[4], outcomes[5], violations.size());
        violations.stream().limit(20).forEach(v -> System.out.println("  " + v + "  (reproduce: jdax media -t " + type
                + " --seed " + seed + " --cases " + cases + ")"));
        return violations.isEmpty() ? 0 : 1;
    }

    private int tree(FileSystemType t) throws FsException {
        PoisonedTree.Tally tally = PoisonedTree.run(t, Math.max(64L << 20, t.minimumSize()), cases, seed);
        System.out.printf("media --tree: %s, seed %d, %d rounds, %d sectors poisoned (%d in metadata): %d mounts refused, %d file reads intact, "
                        + "%d plain reads refused or short, %d mapped reads refused or SIGBUS, %d violations%n", type, seed, tally.rounds,
                tally.sectorsPoisoned, tally.metadataSectors, tally.mountsRefused, tally.filesIntact, tally.plainErrors, tally.mappedErrors,
                tally.violations.size());
        tally.violations.stream().limit(20).forEach(v -> System.out.println("  " + v + "  (reproduce: jdax media --tree -t "
                + type + " --seed " + seed + " --cases " + cases + ")"));
        return tally.violations.isEmpty() ? 0 : 1;
    }

    private static void read(OpenFile f, SplittableRandom r, byte[] model, int badPage, String where, List<String> v,
                             int[] out) throws FsException {
        int off = r.nextInt(FILE - 1);
        int len = 1 + r.nextInt(Math.min(64 * 1024, FILE - off));
        boolean touches = off / PAGE <= badPage && badPage <= (off + len - 1) / PAGE;
        byte[] got = new byte[len];
        try {
            long n = f.read(off, got, 0, len);
            out[0]++;
            // Over the poison: EIO, or (dax_iomap_rw's "done ? done : ret") the bytes of the extents before it.
            boolean shortBeforePoison = n < len && off + n <= (long) badPage * PAGE;
            if (touches && !shortBeforePoison) {
                v.add(where + ": read " + off + "+" + len + " over the poisoned page returned " + n + " bytes, not EIO");
            } else if ((!touches && n != len)
                    || !Arrays.equals(Arrays.copyOf(got, (int) n), Arrays.copyOfRange(model, off, off + (int) n))) {
                v.add(where + ": read " + off + "+" + len + " returned bytes the file does not hold");
            }
        } catch (FsException e) {
            out[1]++;
            if (!touches || e.errno() != Errno.EIO) {
                v.add(where + ": read " + off + "+" + len + ": " + e.describe() + (touches ? "" : " without touching the poison"));
            }
        }
    }

    private static void write(OpenFile f, SplittableRandom r, byte[] model, int badPage, String where, List<String> v,
                              int[] out) throws FsException {
        boolean whole = r.nextBoolean();
        int off = whole ? Math.max(0, badPage - r.nextInt(3)) * PAGE : r.nextInt(FILE - 1);
        int len = whole ? (1 + r.nextInt(4)) * PAGE : 1 + r.nextInt(Math.min(16 * 1024, FILE - off));
        len = Math.min(len, FILE - off);
        byte[] data = new byte[len];
        r.nextBytes(data);
        int first = off / PAGE;
        int last = (off + len - 1) / PAGE;
        boolean touches = first <= badPage && badPage <= last;
        boolean covers = touches && off <= badPage * PAGE && off + len >= (badPage + 1) * PAGE;
        // recovery_write: clean pages before the poisoned one are written; the poisoned one only whole.
        long expect = !touches || covers ? len : Math.max(0, badPage * PAGE - off);
        try {
            long n = f.write(off, data, 0, len);
            out[2]++;
            if (n != expect) {
                v.add(where + ": write " + off + "+" + len + " returned " + n + ", the rules say " + expect);
            }
            System.arraycopy(data, 0, model, off, (int) n);
        } catch (FsException e) {
            out[3]++;
            if (expect != 0 || e.errno() != Errno.EFAULT) {
                v.add(where + ": write " + off + "+" + len + ": " + e.describe() + ", the rules say " + expect + " bytes");
            }
        }
    }

    private static void load(OpenFile f, SplittableRandom r, byte[] model, int badPage, String where, List<String> v,
                             int[] out) throws FsException {
        int at = r.nextBoolean() ? badPage * PAGE + r.nextInt(PAGE) : r.nextInt(FILE);
        boolean poisoned = at / PAGE == badPage;
        FileMapping m = f.mmap(0, FILE, FileMapping.PROT_READ, FileMapping.MAP_SHARED);
        try {
            byte b = m.getByte(at);
            out[4]++;
            if (poisoned) {
                v.add(where + ": mapped load at " + at + " from the poisoned page returned a byte, not SIGBUS");
            } else if (b != model[at]) {
                v.add(where + ": mapped load at " + at + " returned a byte the file does not hold");
            }
        } catch (SigBusException e) {
            out[5]++;
            if (!poisoned) {
                v.add(where + ": mapped load at " + at + " took SIGBUS away from the poison");
            }
        } finally {
            m.close();
        }
    }
}
