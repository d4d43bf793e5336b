package dev.jdax.bench;

/**
 * One benchmark result as the report uses it.
 *
 * @param group     the benchmark ({@code read}, {@code write})
 * @param target    the personality or peer
 * @param ioSize    bytes per operation
 * @param pattern   {@code seq} or {@code rand}
 * @param opsPerSec the mean throughput
 * @param error     JMH's 99.9% confidence half-width, in ops/s (NaN with too few samples)
 */
record Measurement(String group, String target, int ioSize, String pattern, double opsPerSec, double error) {
    double bytesPerSec() {
        return opsPerSec * ioSize;
    }

    String key() {
        return group + " " + pattern + " " + ioSize;
    }
}
