package dev.jdax.cli;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.FileSystemType;
import dev.jdax.api.fs.FsmapKeys;
import dev.jdax.api.fs.FsmapKeys.Device;
import dev.jdax.api.fs.FsmapRecord;
import dev.jdax.api.fs.MkfsOptions;
import dev.jdax.api.fs.OpenFile;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.pmem.PmemDevices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * FS_IOC_GETFSMAP ({@code xfs_io fsmap}). The whole map is compared with Linux 6.1's by {@code jdax
 * compare} (scenario {@code fsmap}); here: XFS's ranges of the data device as Linux 6.1 answered
 * them (measured, linux-6.1/SOURCES.md), the devices jdax's file systems do not have, a low key
 * after the high key, fs/ext2's ENOTTY, and maps read while two threads change the file system,
 * each a gapless cover of the device.
 */
class FsmapTest {
    private static final long SECTOR = 512;

    @Test
    void xfsRangesAreAnsweredAsLinuxAnswersThem() throws Exception {
        FileSystemType t = Personalities.type("xfs");
        try (DaxDevice device = PmemDevices.memory(Personalities.size("xfs"))) {
            // As the measured pmem device, and jdax compare's: 4 KiB sectors, so each AG's first 13 blocks are headers, roots and AGFL.
            MkfsOptions d = MkfsOptions.defaults();
            t.mkfs(device, new MkfsOptions(4096, d.features(), d.label(), d.uuid(), Map.of("sectsize", "4096")));
            try (FileSystem fs = Personalities.mount(t, device)) {
                xfsRanges(fs);
            }
        }
    }

    private static void xfsRanges(FileSystem fs) throws Exception {
        {
            writeFile(fs, "file", 1 << 20);
            // -d 0 2048: the AG headers, trees, AGFL and the file: one unknown gap cut at the high key.
            assertEquals(List.of(unknown(0, 2048)), fs.getfsmap(data(0, 2048)));
            // -d 64 100: the gap up to the high key's block (sector 96), which itself is not reported.
            assertEquals(List.of(unknown(64, 32)), fs.getfsmap(data(64, 100)));
            // -d 8192 16384: the free extent that holds the low key, whole.
            assertEquals(List.of(FsmapRecord.special(2216 * SECTOR, (163840 - 2216) * SECTOR, FsmapRecord.OWN_FREE)),
                    fs.getfsmap(data(8192, 16384)));
            assertEquals(List.of(), fs.getfsmap(new FsmapKeys(Device.LOG, 0, -1)), "no external log");
            assertEquals(List.of(), fs.getfsmap(new FsmapKeys(Device.REALTIME, 0, -1)), "no realtime device");
            assertEquals(List.of(), fs.getfsmap(new FsmapKeys(Device.DATA, 4_000_000_000L * SECTOR, -1)), "beyond the device");
            Personalities.assertErrno(Errno.EINVAL, () -> fs.getfsmap(data(100, 64)));
            Personalities.assertErrno(Errno.EINVAL, () -> fs.getfsmap(new FsmapKeys(Device.OTHER, 0, -1)));
        }
    }

    /**
     * A device number the file system does not have is refused by ext4 (ext4_getfsmap_is_valid_device)
     * as by XFS; xfs_io passes one for -d, -l and -r on any file system but XFS (its fs_path is never
     * filled in there), so on ext4 those print EINVAL as Linux 6.1 does, while the whole map answers.
     */
    @Test
    void ext4RefusesADeviceItDoesNotHave() throws Exception {
        FileSystemType t = Personalities.type("ext4");
        try (DaxDevice device = Personalities.formatted(t, Personalities.size("ext4"));
             FileSystem fs = Personalities.mount(t, device)) {
            Personalities.assertErrno(Errno.EINVAL, () -> fs.getfsmap(new FsmapKeys(Device.OTHER, 0, -1)));
            assertFalse(fs.getfsmap(FsmapKeys.all()).isEmpty());
            assertEquals(fs.getfsmap(FsmapKeys.all()), fs.getfsmap(new FsmapKeys(Device.DATA, 0, -1)));
        }
    }

    @Test
    void ext2HasNoFsmap() throws Exception {
        FileSystemType t = Personalities.type("ext2");
        try (DaxDevice device = Personalities.formatted(t, Personalities.size("ext2"));
             FileSystem fs = Personalities.mount(t, device)) {
            Personalities.assertErrno(Errno.ENOTTY, () -> fs.getfsmap(FsmapKeys.all()));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ext4", "xfs"})
    void theMapCoversTheDeviceOnceWhileTwoThreadsChangeIt(String type) throws Exception {
        FileSystemType t = Personalities.type(type);
        try (DaxDevice device = Personalities.formatted(t, Personalities.size(type))) {
            try (FileSystem fs = Personalities.mount(t, device)) {
                long freeBefore = free(coverOf(fs, device));
                AtomicBoolean stop = new AtomicBoolean();
                ExecutorService pool = Executors.newFixedThreadPool(2);
                List<Future<?>> writers = new ArrayList<>();
                for (int id = 0; id < 2; id++) {
                    int k = id;
                    writers.add(pool.submit(() -> {
                        long dir = fs.mkdir(fs.rootIno(), "dir-" + k, 0755, 0, 0);
                        byte[] data = new byte[64 << 10];
                        for (int i = 0; !stop.get() && i < 2000; i++) {
                            String name = "f-" + (i % 16);
                            try (OpenFile f = fs.open("/dir-" + k + "/" + name, OpenFlags.O_RDWR | OpenFlags.O_CREAT | OpenFlags.O_TRUNC,
                                    0644, 0, 0)) {
                                f.write(0, data, 0, 4096 * (1 + i % 16));
                            }
                            if (i % 3 == 0) {
                                fs.unlink(dir, name);
                            }
                        }
                        return null;
                    }));
                }
                int maps = 0;
                try {
                    for (; maps < 200 && !writers.stream().allMatch(Future::isDone); maps++) {
                        coverOf(fs, device);
                    }
                } finally {
                    stop.set(true);
                    for (Future<?> w : writers) {
                        w.get();
                    }
                    pool.shutdown();
                }
                assertTrue(maps > 0, "maps read while the writers ran");
                fs.sync();
                assertTrue(free(coverOf(fs, device)) < freeBefore, type + ": the files kept take space the map no longer shows free");
            }
            Personalities.assertJudgedClean(type, device);
        }
    }

    /** The whole map, checked to be records in device order, each starting where the last ended, from 0 to the device's end. */
    private static List<FsmapRecord> coverOf(FileSystem fs, DaxDevice device) throws Exception {
        List<FsmapRecord> map = fs.getfsmap(FsmapKeys.all());
        long at = 0;
        for (FsmapRecord r : map) {
            assertEquals(at, r.physical(), "a record starts where the last ended: " + map);
            assertTrue(r.length() > 0 && r.isSpecial(), "a special owner's range: " + r);
            at = r.physical() + r.length();
        }
        // The kernels' last call reports the gap only up to the last block, not the block itself.
        assertTrue(at >= device.size() - 4096 && at <= device.size(), "the map ends at the device's end: " + at);
        return map;
    }

    private static long free(List<FsmapRecord> map) {
        return map.stream().filter(r -> r.owner() == FsmapRecord.OWN_FREE).mapToLong(FsmapRecord::length).sum();
    }

    /** As xfs_io's {@code pwrite 0 LEN} writes: 4 KiB a call, each allocating where the last ended. */
    private static void writeFile(FileSystem fs, String name, int bytes) throws Exception {
        try (OpenFile f = fs.open(fs.create(fs.rootIno(), name, 0644, 0, 0), OpenFlags.O_RDWR)) {
            byte[] data = new byte[4096];
            for (int at = 0; at < bytes; at += data.length) {
                f.write(at, data, 0, data.length);
            }
            f.fsync(false);
        }
    }

    private static FsmapKeys data(long fromSector, long toSector) {
        return new FsmapKeys(Device.DATA, fromSector * SECTOR, toSector * SECTOR);
    }

    private static FsmapRecord unknown(long fromSector, long sectors) {
        return FsmapRecord.special(fromSector * SECTOR, sectors * SECTOR, FsmapRecord.OWN_UNKNOWN);
    }
}
