package dev.jdax.fs.xfs;

import dev.jdax.api.FsException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * XFS's unlinked lists ({@code xfs_iunlink}, {@code xfs_iunlink_remove}): an inode whose last name
 * goes while it is still open or mapped is put on the list of its AGI bucket ({@code agino % 64},
 * chained through {@code di_next_unlinked}) when its link count drops, and taken off when it is
 * freed, so that a crash in between leaks nothing: the next read-write mount frees what the lists
 * hold ({@code xlog_recover_process_iunlinks}, after the log is replayed; a clean unmount leaves
 * them empty). A pointer change is logged in the inode's cluster buffer, as Linux logs it.
 * The in-core inodes on a list are kept here, so removing one rewrites its predecessor in core;
 * an AG's lists change under that AG's lock, as Linux's under the AGI buffer's.
 */
final class XfsUnlinked {
    static final int BUCKETS = 64;

    private final XfsFileSystem fs;
    private final XfsDisk disk;
    private final XfsSpace space;
    /** Per AG and bucket, the chain as in core, head first; each changed under its AG's lock. */
    private final Map<Long, List<XfsInode>> chains = new ConcurrentHashMap<>();

    XfsUnlinked(XfsFileSystem fs, XfsDisk disk, XfsSpace space) {
        this.fs = fs;
        this.disk = disk;
        this.space = space;
    }

    private static long key(long agno, int bucket) {
        return agno * BUCKETS + bucket;
    }

    /** {@code xfs_iunlink}: {@code in} (its link count just reached 0) goes at the head of its bucket. */
    void add(XfsInode in) throws FsException {
        long agno = disk.inoAgno(in.ino());
        long agino = disk.inoAgino(in.ino());
        int bucket = (int) (agino % BUCKETS);
        space.locked(agno, ag -> {
            List<XfsInode> chain = chains.computeIfAbsent(key(agno, bucket), k -> new ArrayList<>());
            if (!chain.contains(in)) {
                long head = ag.unlinkedHead(bucket);
                fs.changeNextUnlinked(in, head);
                ag.unlinkedHead(bucket, agino);
                chain.addFirst(in);
            }
            return null;
        });
    }

    /** {@code xfs_iunlink_remove}: {@code in} leaves its bucket; its predecessor (or the AGI) skips it. */
    void remove(XfsInode in) throws FsException {
        long agno = disk.inoAgno(in.ino());
        int bucket = (int) (disk.inoAgino(in.ino()) % BUCKETS);
        space.locked(agno, ag -> {
            List<XfsInode> chain = chains.get(key(agno, bucket));
            int at = chain == null ? -1 : chain.indexOf(in);
            if (at >= 0) {
                long next = in.di_next_unlinked();
                if (at == 0) {
                    ag.unlinkedHead(bucket, next);
                } else {
                    fs.changeNextUnlinked(chain.get(at - 1), next);
                }
                fs.changeNextUnlinked(in, XfsAgi.NULLAGINO);
                chain.remove(at);
            }
            return null;
        });
    }

    /** Frees every inode a crash left on the lists (each is unlinked; its blocks and number go). */
    void recover() throws FsException {
        for (long agno = 0; agno < disk.agcount(); agno++) {
            for (int bucket = 0; bucket < BUCKETS; bucket++) {
                int b = bucket;
                long agino = space.locked(agno, ag -> ag.unlinkedHead(b));
                int guard = 0;
                while (agino != XfsAgi.NULLAGINO) {
                    Corrupt.check(++guard <= disk.agLength(agno) * disk.sb().sb_inopblock(),
                            "AGI %d unlinked bucket %d: the chain loops", agno, bucket);
                    XfsInode in = fs.readInode(disk.ino(agno, agino));
                    Corrupt.check(in.di_nlink() == 0, "inode %d on an unlinked list has %d links", in.ino(), in.di_nlink());
                    fs.adopt(in);
                    chains.computeIfAbsent(key(agno, bucket), k -> new ArrayList<>()).add(in);
                    agino = in.di_next_unlinked();
                }
            }
        }
        for (List<XfsInode> chain : List.copyOf(chains.values())) {
            for (XfsInode in : List.copyOf(chain)) {
                fs.log().run(h -> {
                    fs.mutations().destroy(in);
                    return null;
                });
            }
        }
    }
}
