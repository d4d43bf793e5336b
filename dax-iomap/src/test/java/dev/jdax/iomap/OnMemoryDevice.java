package dev.jdax.iomap;

import dev.jdax.api.DaxDevice;
import dev.jdax.pmem.PmemDevices;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** The engine's tests' fixture: a fresh 64 MiB device in memory per test, and a file of the test format on it. */
abstract class OnMemoryDevice {
    DaxDevice device;
    TestFile f;

    @BeforeEach
    void setUp() throws Exception {
        device = PmemDevices.memory(64 << 20);
        f = TestFile.open(device, "");
    }

    @AfterEach
    void tearDown() throws Exception {
        device.close();
    }
}
