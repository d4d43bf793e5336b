/**
 * The pmem driver: {@link dev.jdax.api.DaxDevice} implementations. All FFM native code of jdax
 * lives here ({@code mmap}, {@code msync}, flushing); nothing else touches raw addresses.
 */
module dev.jdax.pmem {
    requires transitive dev.jdax.api;
    requires com.carrotsearch.hppc;

    exports dev.jdax.pmem;
}
