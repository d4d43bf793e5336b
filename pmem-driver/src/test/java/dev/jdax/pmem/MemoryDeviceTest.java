package dev.jdax.pmem;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class MemoryDeviceTest {
    @Test
    void aSizeTheKernelCanNeverGiveIsEnomemAtOnce() throws Exception {
        Path policy = Path.of("/proc/sys/vm/overcommit_memory");
        assumeTrue(Files.isReadable(policy) && !Files.readString(policy).strip().equals("1"),
                "overcommit_memory=1 grants any mapping: nothing to refuse");
        FsException e = assertThrows(FsException.class, () -> PmemDevices.memory(1L << 40));
        assertEquals(Errno.ENOMEM, e.errno(), e.getMessage());
        assertTrue(e.getMessage().contains(String.valueOf(1L << 40)), e.getMessage());
    }

    @Test
    void memoryIsAMemfdThatViewsCanMapAgain() throws Exception {
        try (DaxDevice d = PmemDevices.memory(1 << 20)) {
            assertTrue(d.info().mapping().contains("memfd"), d.info().mapping());
        }
    }

    @Test
    void aWindowKeptPastCloseIsAnExceptionNotACrash() throws Exception {
        DaxDevice d = PmemDevices.memory(1 << 20);
        java.lang.foreign.MemorySegment w = d.directAccess(3, 1, dev.jdax.api.DaxAccessMode.ACCESS).segment();
        w.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 0, (byte) 9);
        d.close();
        // The memory is unmapped now: the JDK refuses the access instead of faulting on it.
        assertThrows(IllegalStateException.class, () -> w.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0));
    }

    @Test
    void aPopulatedDeviceHasEveryPageBeforeAnyStoreAndAPlainOneOnlyThoseTouched() throws Exception {
        long size = 8L << 20;
        try (DaxDevice plain = PmemDevices.memory(size); DaxDevice populated = PmemDevices.populatedMemory(size)) {
            assertEquals(0, residentPages(plain), "a plain memfd has no page before its first touch");
            assertEquals(size / 4096, residentPages(populated));
            assertTrue(populated.info().mapping().contains("populated"), populated.info().mapping());
            java.lang.foreign.MemorySegment page = plain.directAccess(5, 1, dev.jdax.api.DaxAccessMode.ACCESS).segment();
            page.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 0, (byte) 1);
            assertEquals(1, residentPages(plain));
            // zeroed all the same, as the kernel hands out every page of a memfd
            java.lang.foreign.MemorySegment all = populated.directAccess(0, size / 4096, dev.jdax.api.DaxAccessMode.ACCESS).segment();
            assertEquals(-1L, all.mismatch(java.lang.foreign.MemorySegment.ofArray(new byte[(int) size])));
        }
    }

    @Test
    void populatedMemoryRefusesABadSizeAsMemoryDoes() {
        FsException e = assertThrows(FsException.class, () -> PmemDevices.populatedMemory(4097));
        assertEquals(Errno.EINVAL, e.errno(), e.getMessage());
    }

    private static long residentPages(DaxDevice d) throws FsException {
        java.lang.foreign.MemorySegment m = d.directAccess(0, d.size() / 4096, dev.jdax.api.DaxAccessMode.ACCESS).segment();
        Libc.Result r = Libc.residentPages(m.address(), m.byteSize());
        assertTrue(!r.failed(), "mincore: " + r.errnoName());
        return r.value();
    }
}
