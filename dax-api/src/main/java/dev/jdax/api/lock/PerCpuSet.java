package dev.jdax.api.lock;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A set that every thread adds to and removes from (a mount's open files and mappings, which its
 * unmount closes): one concurrent set per CPU slot, so two threads opening and closing files do not
 * write the same table lines and counters on every open and close, as one shared set made them do.
 * Linux keeps no mount-wide list of open files at all; this one exists for unmount.
 * An element is in one slot's set: the adder's; a removal looks there first, then in the others
 * (a file closed by another thread than the one that opened it).
 *
 * @param <T> the elements
 */
public final class PerCpuSet<T> {
    private final List<Set<T>> slots = new ArrayList<>(PerCpu.CPUS);

    /** An empty set. */
    public PerCpuSet() {
        for (int i = 0; i < PerCpu.CPUS; i++) {
            slots.add(new PaddedMap<T>().keySet(Boolean.TRUE));
        }
    }

    /**
     * A slot's table, 128 bytes of padding after its own fields (a subclass's fields are laid out
     * after its superclass's): the slots' maps were made one after the other, and two threads'
     * adds and removes wrote each other's lines (the maps' counts and size controls).
     */
    @SuppressWarnings({"unused", "serial"})
    private static final class PaddedMap<T> extends ConcurrentHashMap<T, Boolean> {
        private long p0, p1, p2, p3, p4, p5, p6, p7, p8, p9, p10, p11, p12, p13, p14, p15;
    }

    /** Adds {@code t} to the current thread's slot. */
    public void add(T t) {
        slots.get(PerCpu.slot(slots.size())).add(t);
    }

    /** {@return whether {@code t} was in the set} (and is not now) */
    public boolean remove(T t) {
        int home = PerCpu.slot(slots.size());
        if (slots.get(home).remove(t)) {
            return true;
        }
        for (int i = 0; i < slots.size(); i++) {
            if (i != home && slots.get(i).remove(t)) {
                return true;
            }
        }
        return false;
    }

    /** {@return the elements as of the call} (weakly: those added or removed meanwhile may be in it or not) */
    public List<T> snapshot() {
        List<T> all = new ArrayList<>();
        for (Set<T> s : slots) {
            all.addAll(s);
        }
        return all;
    }
}
