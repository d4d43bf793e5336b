package dev.jdax.vfs;

import dev.jdax.api.fs.FileType;
import dev.jdax.api.fs.PathName;
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
    static final VfsInode NEGATIVE = new VfsInode(Vnode.NO_INO, false);
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Node[].class);

    /** What a dentry says of its name without reading the inode ({@code d_flags}' entry type). */
    static final int KIND_UNKNOWN = 0;
    static final int KIND_NEGATIVE = 1;
    static final int KIND_DIRECTORY = 2;
    static final int KIND_SYMLINK = 3;
    /** Any other positive dentry: a regular file, a device, a FIFO, a socket. */
    static final int KIND_OTHER = 4;

    /**
     * One name of the chain of its bucket, and its dentry. A short Latin-1 name is kept in two
     * longs of the node itself, a longer one as its characters: in a directory of 100,000 names
     * every object a lookup reads is a cache miss, and the name's own array was one. The kind of
     * the dentry is kept beside it, as Linux keeps the entry type in {@code d_flags}, so a walk
     * that only needs to know "a file, a directory or a link" does not read the inode. The kind
     * never changes in a node: a change of kind replaces the node ({@link #put}).
     */
    static final class Node {
        private final long low;
        private final long high;
        private final char[] name;
        private final int length;
        private final int hash;
        final int kind;
        final Node next;
        private volatile VfsInode dentry;

        private Node(long low, long high, char[] name, int length, int hash, int kind, VfsInode dentry, Node next) {
            this.low = low;
            this.high = high;
            this.name = name;
            this.length = length;
            this.hash = hash;
            this.kind = kind;
            this.dentry = dentry;
            this.next = next;
        }

        /** This name with dentry {@code d} of kind {@code k}, before {@code n} in a chain. */
        Node copy(int k, VfsInode d, Node n) {
            return new Node(low, high, name, length, hash, k, d, n);
        }

        /** {@return the dentry}: its inode, or {@link #NEGATIVE} */
        VfsInode dentry() {
            return dentry;
        }

        /**
         * Whether this node's name is {@code s[from, from + len)}, whose hash is {@code h} and whose
         * packed form, when {@code inline}, is {@code lo, hi}.
         */
        boolean names(String s, int from, int len, int h, boolean inline, long lo, long hi) {
            if (hash != h || length != len) {
                return false;
            }
            if (name == null) {
                return inline && low == lo && high == hi;
            }
            for (int k = 0; k < len; k++) {
                if (name[k] != s.charAt(from + k)) {
                    return false;
                }
            }
            return true;
        }
    }

    /** The kind of dentry {@code d}. */
    static int kindOf(VfsInode d) {
        if (d == NEGATIVE) {
            return KIND_NEGATIVE;
        }
        FileType t = d.type();
        if (t == null) {
            return KIND_UNKNOWN;
        }
        return switch (t) {
            case DIRECTORY -> KIND_DIRECTORY;
            case SYMLINK -> KIND_SYMLINK;
            default -> KIND_OTHER;
        };
    }

    private volatile Node[] table = new Node[8];
    private int size;

    /** {@return the dentry of {@code name}}: its inode, {@link #NEGATIVE}, or null when the directory has none cached. */
    VfsInode get(String name) {
        Node n = node(name, 0, name.length(), PathName.spread(name.hashCode()));
        return n == null ? null : n.dentry();
    }

    /** {@return the node of the name {@code path[from, to)}}, or null when none is cached; nothing is allocated. */
    Node node(String path, int from, int to) {
        return node(path, from, to, PathName.hash(path, from, to));
    }

    /** {@return the node of component {@code k} of {@code p}}, or null when none is cached; by its kept hash and packing. */
    Node node(PathName p, int k) {
        Node[] t = table;
        int hash = p.hash(k);
        int from = p.from(k);
        int len = p.to(k) - from;
        for (Node n = (Node) SLOT.getAcquire(t, hash & (t.length - 1)); n != null; n = n.next) {
            if (n.names(p.path(), from, len, hash, p.packed(k), p.low(k), p.high(k))) {
                return n;
            }
        }
        return null;
    }

    private Node node(String s, int from, int to, int hash) {
        Node[] t = table;
        int len = to - from;
        boolean packed = false;
        boolean inline = false;
        long lo = 0;
        long hi = 0;
        for (Node n = (Node) SLOT.getAcquire(t, hash & (t.length - 1)); n != null; n = n.next) {
            if (n.hash == hash && n.length == len) {
                if (!packed) {
                    inline = PathName.packable(s, from, to);
                    lo = PathName.pack(s, from, to);
                    hi = PathName.packHigh(s, from, to);
                    packed = true;
                }
                if (n.names(s, from, len, hash, inline, lo, hi)) {
                    return n;
                }
            }
        }
        return null;
    }

    /** Sets the dentry of {@code name}; {@return whether the name is new to the table} */
    synchronized boolean put(String name, VfsInode d) {
        int hash = PathName.spread(name.hashCode());
        int kind = kindOf(d);
        Node[] t = table;
        int i = hash & (t.length - 1);
        Node head = (Node) SLOT.getAcquire(t, i);
        boolean inline = PathName.packable(name, 0, name.length());
        long lo = PathName.pack(name, 0, name.length());
        long hi = PathName.packHigh(name, 0, name.length());
        for (Node n = head; n != null; n = n.next) {
            if (n.names(name, 0, name.length(), hash, inline, lo, hi)) {
                if (n.kind == kind) {
                    n.dentry = d;
                } else {
                    // A node's kind is final, so a walk never pairs one dentry with another's kind:
                    // the chain up to it is copied, and walks on the old chain see the state before.
                    SLOT.setRelease(t, i, replaced(head, n, kind, d));
                }
                return false;
            }
        }
        SLOT.setRelease(t, i, new Node(lo, hi, inline ? null : name.toCharArray(), name.length(), hash, kind, d, head));
        if (++size > t.length * 3 / 4) {
            table = grown(t);
        }
        return true;
    }

    /** The chain from {@code head} with {@code old} replaced by a node of kind {@code kind} naming {@code d}. */
    private static Node replaced(Node head, Node old, int kind, VfsInode d) {
        if (head == old) {
            return old.copy(kind, d, old.next);
        }
        return head.copy(head.kind, head.dentry(), replaced(head.next, old, kind, d));
    }

    /** A table twice as large holding the same names (fresh nodes: chains never change in place). */
    private static Node[] grown(Node[] t) {
        Node[] bigger = new Node[t.length * 2];
        for (Node head : t) {
            for (Node n = head; n != null; n = n.next) {
                int i = n.hash & (bigger.length - 1);
                bigger[i] = n.copy(n.kind, n.dentry(), bigger[i]);
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
