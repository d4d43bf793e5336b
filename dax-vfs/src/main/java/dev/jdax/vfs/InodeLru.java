package dev.jdax.vfs;

import dev.jdax.api.lock.PerCpu;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The unused inodes, oldest first: Linux's {@code s_inode_lru}, a {@code list_lru} with one list
 * per node — here one per CPU slot ({@link PerCpu}), so threads that make and drop inodes at the
 * same time (creates in two directories) do not pass one monitor back and forth. An inode is on at
 * most one list: it is claimed for one with an atomic step on {@link VfsInode#lru} and linked
 * under that list's monitor (a leaf), and it leaves from whichever list holds it. Each list keeps
 * its share of the limit, so the whole is an LRU per list, as Linux's per node.
 */
final class InodeLru {
    private static final VarHandle LRU;

    static {
        try {
            LRU = MethodHandles.lookup().findVarHandle(VfsInode.class, "lru", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final List[] lists = new List[PerCpu.CPUS];
    private final int limitEach;

    InodeLru(int limit) {
        for (int k = 0; k < lists.length; k++) {
            lists[k] = new List();
        }
        this.limitEach = Math.max(1, limit / lists.length);
    }

    /**
     * Lists {@code i} at the young end of the current thread's list unless it is listed already;
     * {@return whether that list is now beyond its share}
     */
    boolean add(VfsInode i) {
        return mine().add(i) > limitEach;
    }

    /** Takes {@code i} off the list that holds it, if one does. */
    void remove(VfsInode i) {
        if (i.lru instanceof List l) {
            l.remove(i);
        }
    }

    /** The oldest inode of the current thread's list, taken off it, while that list is beyond its share; else null. */
    VfsInode pollOldestBeyondLimit() {
        return mine().pollOldestBeyond(limitEach);
    }

    /** {@return how many inodes are listed} */
    int count() {
        int n = 0;
        for (List l : lists) {
            n += l.count();
        }
        return n;
    }

    private List mine() {
        return lists[PerCpu.slot(lists.length)];
    }

    /** A list's own fields: a superclass's fields are laid out before its subclass's padding. */
    private abstract static class ListFields {
        VfsInode oldest;
        VfsInode youngest;
        int count;
    }

    /**
     * One list, linked through {@link VfsInode#lruPrev} and {@link VfsInode#lruNext} under its monitor.
     * The lists were made one after the other, so two threads' lists shared a cache line: each
     * thread's add and remove (its monitor and its fields) took the line from the other, as if the
     * lists were one. 128 bytes after the fields keep the next list's header and fields off this
     * one's line and off the line the processor fetches with it.
     */
    @SuppressWarnings("unused")
    private static final class List extends ListFields {
        private long p0, p1, p2, p3, p4, p5, p6, p7, p8, p9, p10, p11, p12, p13, p14, p15;

        synchronized int add(VfsInode i) {
            if (!LRU.compareAndSet(i, (Object) null, (Object) this)) {
                return count; // on a list already: it stays where it is (inode_lru_list_add)
            }
            i.lruPrev = youngest;
            i.lruNext = null;
            if (youngest == null) {
                oldest = i;
            } else {
                youngest.lruNext = i;
            }
            youngest = i;
            return ++count;
        }

        synchronized void remove(VfsInode i) {
            if (i.lru != this) {
                return;
            }
            if (i.lruPrev == null) {
                oldest = i.lruNext;
            } else {
                i.lruPrev.lruNext = i.lruNext;
            }
            if (i.lruNext == null) {
                youngest = i.lruPrev;
            } else {
                i.lruNext.lruPrev = i.lruPrev;
            }
            i.lruPrev = null;
            i.lruNext = null;
            i.lru = null;
            count--;
        }

        synchronized VfsInode pollOldestBeyond(int limit) {
            if (count <= limit || oldest == null) {
                return null;
            }
            VfsInode i = oldest;
            remove(i);
            return i;
        }

        synchronized int count() {
            return count;
        }
    }
}
