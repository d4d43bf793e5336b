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
}
