package dev.jdax.cli;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileSystem;
import dev.jdax.api.fs.FileSystemType;
import dev.jdax.api.fs.FileSystemTypes;
import dev.jdax.api.fs.MkfsOptions;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.pmem.PmemDevices;
import dev.jdax.vfs.Vfs;
import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What the tests that run once per personality through the VFS share: the type (the test is
 * skipped where it is not built), a fresh file system on a memory device, a DAX mount, the errno
 * a refused call must give, and the outside judge's verdict on the image.
 */
final class Personalities {
    private Personalities() {
    }

    static FileSystemType type(String name) throws FsException {
        assumeTrue(FileSystemTypes.all().stream().anyMatch(t -> t.name().equals(name)));
        return FileSystemTypes.byName(name);
    }

    /** Room for each format's smallest default mkfs (XFS wants 300 MiB). */
    static long size(String type) {
        return type.equals("xfs") ? 320L << 20 : 64L << 20;
    }

    /** A memory device of {@code size} bytes with a fresh file system of type {@code t} on it. */
    static DaxDevice formatted(FileSystemType t, long size) throws FsException {
        DaxDevice device = PmemDevices.memory(size);
        t.mkfs(device, MkfsOptions.defaults());
        return device;
    }

    static FileSystem mount(FileSystemType t, DaxDevice device) throws FsException {
        return Vfs.mount(t, device, MountOptions.parse("dax"));
    }

    static void assertErrno(Errno expected, Executable call) {
        FsException e = assertThrows(FsException.class, call);
        assertEquals(expected, e.errno(), e.getMessage());
    }

    /** e2fsck -fn or xfs_repair -n finds the image clean (or is not installed). */
    static void assertJudgedClean(String type, DaxDevice device) throws Exception {
        FsckJudge.Verdict v = FsckJudge.judge(type, device);
        assertTrue(v.tool() == null || v.clean(), type + ": " + v.problem());
    }
}
