package dev.jdax.fs.xfs;

import dev.jdax.api.lock.TransactionGate;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One checkpoint of the log, the CIL context of xfs_log_cil.c: every change of the transactions
 * that joined it, by log item — the metadata buffers and inodes they changed, the inodes whose
 * unlinked pointer moved, the inode chunks created, the buffers freed (cancelled), the intents and
 * done items — written to the log as one transaction when it commits. Handles of many threads add
 * to it at once.
 */
final class Checkpoint {
    final long seq;
    /** Open transactions, joined and left with one atomic step each, and whether its commit has locked it. */
    final TransactionGate.Updates updates = new TransactionGate.Updates();

    /*
     * The entries changed, each added by the change that first made it dirty in this checkpoint
     * (its dirtySeq, or unlinkedSeq, set to seq under its monitor), and not taken out when that
     * ends otherwise: the freeze skips an entry whose sequence is no longer this one, and one
     * dirtied again after that is listed twice and frozen once. Queues, not sets: in a directory
     * of 100,000 names each rename dirties entries no other does, and a concurrent set growing
     * by one of them per change cost XFS's rename there 0.1 us (hashing into a table larger than
     * the caches, and its resizes).
     */
    final Queue<MetaEntry> bufs = new ConcurrentLinkedQueue<>();
    final Queue<MetaEntry> inodes = new ConcurrentLinkedQueue<>();
    final Queue<MetaEntry> unlinked = new ConcurrentLinkedQueue<>();
    /** Its inodes that a transaction of the next checkpoint froze before changing them, while this one's were being frozen. */
    final Queue<Freezer.FrozenInode> frozenFirst = new ConcurrentLinkedQueue<>();
    final Set<MetaEntry> cancels = ConcurrentHashMap.newKeySet();
    final Set<MetaEntry> staleInodes = ConcurrentHashMap.newKeySet();
    final List<MetaEntry> created = Collections.synchronizedList(new ArrayList<>());
    /** Inode creates: {agno, agbno, blocks, gen}. */
    final List<long[]> icreates = Collections.synchronizedList(new ArrayList<>());
    /** Cancelled inode cluster buffers of freed chunks: {daddr, length in basic blocks}. */
    final List<long[]> clusterCancels = Collections.synchronizedList(new ArrayList<>());
    /** EFI and EFD formats, in the order they were logged. */
    final List<byte[]> intents = Collections.synchronizedList(new ArrayList<>());
    final List<Runnable> onCommit = Collections.synchronizedList(new ArrayList<>());
    /** Roughly the bytes it will take in the log. */
    final AtomicLong bytes = new AtomicLong();

    Checkpoint(long seq) {
        this.seq = seq;
    }

    boolean empty() {
        return bufs.isEmpty() && inodes.isEmpty() && unlinked.isEmpty() && cancels.isEmpty() && created.isEmpty()
                && icreates.isEmpty() && clusterCancels.isEmpty() && intents.isEmpty() && staleInodes.isEmpty();
    }
}
