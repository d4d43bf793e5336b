package dev.jdax.api;

/**
 * What a device is and how durable its stores are, reported, never silent.
 *
 * @param backing        e.g. {@code "memory"}, {@code "file /dev/shm/x.img"}, {@code "devdax /dev/dax0.0"}
 * @param mapping        how the memory is mapped (e.g. {@code "MAP_SHARED_VALIDATE|MAP_SYNC"},
 *                       {@code "MAP_SHARED"}, {@code "anonymous"})
 * @param mapSyncRefusal why MAP_SYNC was not in force ({@code "EOPNOTSUPP: ..."}), or empty when it was
 *                       or was never asked for
 * @param flushMethod    how cache lines are written back (e.g. {@code "clwb via force()"},
 *                       {@code "libpmem pmem_flush"}, {@code "msync"}, {@code "count only"})
 * @param persistent     true when a flush followed by a fence reaches the persistence domain, which
 *                       is what MAP_SYNC needs ({@link DaxDevice} users refuse MAP_SYNC otherwise)
 */
public record DeviceInfo(String backing, String mapping, String mapSyncRefusal, String flushMethod,
                         boolean persistent) {
}
