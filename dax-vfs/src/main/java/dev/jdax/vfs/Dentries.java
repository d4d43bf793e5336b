package dev.jdax.vfs;

import dev.jdax.api.fs.Vnode;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The dentries of one directory: a hash table from name to the inode it names that a path walk reads
 * without a lock and without allocating — a name is looked up where it stands in the path string
 * ({@link #get(String, int, int)}), as Linux's {@code d_lookup_rcu} hashes the component in place.
 * Writers (the directory's changes, and lookups leaving a dentry behind) serialise on the table's
 * monitor; readers see either the state before a write or after it. Chains are immutable but for
 * each node's dentry, so a resize publishes a copied table and readers of the old one see the
 * state as of the copy.
 *
 * <p>A dentry is the inode it names, as cached when the dentry was made (it may since be dead:
 * its number is still the name's), or {@link #NEGATIVE} when the name is known to be absent —
 * one reference in the node, not an object of its own: in a directory of 100,000 names every
 * object a lookup reads is a cache miss.
 */
final class Dentries {
    /** The dentry of a name known to be absent. */
    static final VfsInode NEGATIVE = new VfsInode(Vnode.NO_INO);
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Node[].class);

    /**
     * One name of the chain of its bucket. The name is kept as its characters, not as a String: a
     * String is two objects (itself and its bytes), and in a large directory each is a cache miss
     * on the way to the one dentry a lookup wants.
     */
    private static final class Node {
        final char[] name;
        final int hash;
        final Node next;
        volatile VfsInode dentry;

        Node(char[] name, int hash, VfsInode dentry, Node next) {
            this.name = name;
            this.hash = hash;
            this.dentry = dentry;
            this.next = next;
        }
    }

    private volatile Node[] table = new Node[8];
    private int size;

    /** {@code String.hashCode} of {@code s[from, to)}, spread over the low bits. */
    static int hash(String s, int from, int to) {
        int h = 0;
        for (int i = from; i < to; i++) {
            h = 31 * h + s.charAt(i);
        }
        return spread(h);
    }

    private static int spread(int h) {
        return h ^ (h >>> 16);
    }

    /** {@return the dentry of {@code name}}: its inode, {@link #NEGATIVE}, or null when the directory has none cached. */
    VfsInode get(String name) {
        return find(name, 0, name.length(), spread(name.hashCode()));
    }

    /** {@return the dentry of the name {@code path[from, to)}}, or null; nothing is allocated. */
    VfsInode get(String path, int from, int to) {
        return find(path, from, to, hash(path, from, to));
    }

    private VfsInode find(String s, int from, int to, int hash) {
        Node[] t = table;
        int len = to - from;
        for (Node n = (Node) SLOT.getAcquire(t, hash & (t.length - 1)); n != null; n = n.next) {
            if (n.hash == hash && n.name.length == len && sameChars(n.name, s, from)) {
                return n.dentry;
            }
        }
        return null;
    }

    /** Whether {@code name} equals {@code s} from {@code from} on, for {@code name.length} characters. */
    private static boolean sameChars(char[] name, String s, int from) {
        for (int k = 0; k < name.length; k++) {
            if (name[k] != s.charAt(from + k)) {
                return false;
            }
        }
        return true;
    }

    /** Sets the dentry of {@code name}; {@return whether the name is new to the table} */
    synchronized boolean put(String name, VfsInode d) {
        int hash = spread(name.hashCode());
        Node[] t = table;
        int i = hash & (t.length - 1);
        Node head = (Node) SLOT.getAcquire(t, i);
        for (Node n = head; n != null; n = n.next) {
            if (n.hash == hash && n.name.length == name.length() && sameChars(n.name, name, 0)) {
                n.dentry = d;
                return false;
            }
        }
        SLOT.setRelease(t, i, new Node(name.toCharArray(), hash, d, head));
        if (++size > t.length * 3 / 4) {
            table = grown(t);
        }
        return true;
    }

    /** A table twice as large holding the same names (fresh nodes: chains never change in place). */
    private static Node[] grown(Node[] t) {
        Node[] bigger = new Node[t.length * 2];
        for (Node head : t) {
            for (Node n = head; n != null; n = n.next) {
                int i = n.hash & (bigger.length - 1);
                bigger[i] = new Node(n.name, n.hash, n.dentry, bigger[i]);
            }
        }
        VarHandle.releaseFence();
        return bigger;
    }

    /** Drops every dentry; {@return how many there were} */
    synchronized int clear() {
        int n = size;
        table = new Node[8];
        size = 0;
        return n;
    }

    /** {@return how many names are cached} */
    synchronized int size() {
        return size;
    }
}
