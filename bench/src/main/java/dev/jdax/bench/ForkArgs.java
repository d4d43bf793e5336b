package dev.jdax.bench;

import java.util.List;

/**
 * The JVM options of every JVM the suite forks (JMH's forks and MetaBench's, peers included): a
 * heap of fixed size, touched before the benchmark starts. With a heap that grows as it is used,
 * G1 widens the young generation during the measurement and every region it adds is first touched
 * then, one page fault per 4 KiB: a create + delete in a 100,000-name XFS directory measured
 * 36,000/s in one JVM and 149,000/s in the next, the same code, with a third of the machine's time
 * in the kernel zeroing heap pages. What is measured is then the file system, not the JVM's
 * heap sizing.
 */
final class ForkArgs {
    private ForkArgs() {
    }

    /**
     * {@return the options for a forked JVM with a heap of {@code heap}} (a {@code -Xmx} size, as "4g")
     *
     * @param heap the heap's fixed size
     */
    static List<String> withHeap(String heap) {
        return List.of("--enable-native-access=ALL-UNNAMED", "-Xms" + heap, "-Xmx" + heap, "-XX:+AlwaysPreTouch");
    }
}
