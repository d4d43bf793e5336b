/**
 * The DAX engine: the one place that moves file bytes to and from the device, takes a locking
 * model's locks, serves page faults and zeroes partial blocks. Personalities answer "what is at this
 * offset" through {@link dev.jdax.api.IomapOps} (or {@link dev.jdax.iomap.GetBlock} through the bridge).
 */
module dev.jdax.iomap {
    requires transitive dev.jdax.api;
    requires com.carrotsearch.hppc;

    exports dev.jdax.iomap;
}
