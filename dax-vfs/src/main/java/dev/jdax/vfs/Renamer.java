package dev.jdax.vfs;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.OpenFlags;
import dev.jdax.api.fs.SuperBlock;
import dev.jdax.api.fs.Vnode;
import dev.jdax.api.lock.LockClass;
import dev.jdax.api.lock.Mutex;
import dev.jdax.api.lock.RwSem;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code renameat2} as Linux's VFS does it ({@code do_renameat2}, {@code lock_rename},
 * {@code vfs_rename}): between two directories, the mount's rename lock first, so that no other
 * rename can change the tree's shape, then the two directories — an ancestor before its
 * descendant, else the source's first — then the moving inode and the one it replaces, lower
 * inode number first. The ancestry checks: a directory cannot move into itself (EINVAL), and the
 * name it replaces cannot be an ancestor of its old place (ENOTEMPTY, EINVAL for an exchange).
 */
final class Renamer {
    private final SuperBlock sb;
    private final InodeCache icache;
    private final Dcache dcache;
    private final Mutex renameLock = new Mutex(LockClass.RENAME, 0, 0, "s_vfs_rename_mutex");

    Renamer(SuperBlock sb, InodeCache icache, Dcache dcache) {
        this.sb = sb;
        this.icache = icache;
        this.dcache = dcache;
    }

    void rename(VfsInode from, String fromName, VfsInode to, String toName, int flags) throws FsException {
        checkFlags(flags);
        Dcache.requireDir(from, fromName);
        Dcache.requireDir(to, toName);
        for (String n : new String[] {fromName, toName}) {
            if (n.equals(".") || n.equals("..")) {
                throw FsException.of((flags & OpenFlags.RENAME_NOREPLACE) != 0 && n == toName ? Errno.EEXIST : Errno.EBUSY,
                        "rename of \"%s\"", n);
            }
            Names.checkComponent(n);
        }
        if (from == to) {
            from.rwsem().lockExclusive(LockClass.PARENT);
            try {
                renameLocked(from, fromName, to, toName, flags, Vnode.NO_INO, Vnode.NO_INO);
            } finally {
                from.rwsem().unlockExclusive();
            }
            return;
        }
        renameLock.lock();
        try {
            // Under the rename lock no directory moves: the ancestry found now holds until the end.
            List<Long> toChain = chainToRoot(to);
            List<Long> fromChain = chainToRoot(from);
            long trapInFrom = childOnPath(toChain, from.ino);   // from's child that contains `to`
            long trapInTo = childOnPath(fromChain, to.ino);     // to's child that contains `from`
            boolean toFirst = trapInTo != Vnode.NO_INO;
            RwSem first = toFirst ? to.rwsem() : from.rwsem();
            RwSem second = toFirst ? from.rwsem() : to.rwsem();
            first.lockExclusive(LockClass.PARENT);
            try {
                second.lockExclusive(LockClass.PARENT2);
                try {
                    renameLocked(from, fromName, to, toName, flags, trapInFrom, trapInTo);
                } finally {
                    second.unlockExclusive();
                }
            } finally {
                first.unlockExclusive();
            }
        } finally {
            renameLock.unlock();
        }
    }

    private void checkFlags(int flags) throws FsException {
        int known = OpenFlags.RENAME_NOREPLACE | OpenFlags.RENAME_EXCHANGE;
        if ((flags & ~known) != 0 || flags == known) {
            throw FsException.of(Errno.EINVAL, "renameat2 flags 0x%x", flags);
        }
        if ((flags & ~sb.renameFlags()) != 0) {
            throw FsException.of(Errno.EINVAL, "%s does not implement renameat2 flags 0x%x", sb.type().name(),
                    flags & ~sb.renameFlags());
        }
    }

    /** The inode numbers from {@code dir} up to the root, {@code dir} first. */
    private List<Long> chainToRoot(VfsInode dir) throws FsException {
        List<Long> chain = new ArrayList<>();
        VfsInode cur = dir;
        long ino = dir.ino;
        chain.add(ino);
        boolean owned = false;
        try {
            while (ino != sb.rootIno()) {
                long p = dcache.parentOf(cur);
                if (chain.size() > 65_536 || chain.contains(p)) {
                    throw FsException.of(Errno.EUCLEAN, "directory %d: its \"..\" chain does not reach the root", dir.ino);
                }
                chain.add(p);
                VfsInode next = icache.get(p);
                if (owned) {
                    icache.release(cur);
                }
                cur = next;
                owned = true;
                ino = p;
            }
        } finally {
            if (owned) {
                icache.release(cur);
            }
        }
        return chain;
    }

    /** In a chain to the root, the entry just below {@code ancestor}, or NO_INO when it is not in the chain above the start. */
    private static long childOnPath(List<Long> chain, long ancestor) {
        for (int i = 1; i < chain.size(); i++) {
            if (chain.get(i) == ancestor) {
                return chain.get(i - 1);
            }
        }
        return Vnode.NO_INO;
    }

    private void renameLocked(VfsInode from, String fromName, VfsInode to, String toName, int flags, long trapInFrom,
                              long trapInTo) throws FsException {
        boolean exchange = (flags & OpenFlags.RENAME_EXCHANGE) != 0;
        long srcIno = dcache.lookupLocked(from, fromName);
        if (srcIno == Vnode.NO_INO) {
            throw FsException.of(Errno.ENOENT, "no \"%s\" in directory %d", fromName, from.ino);
        }
        long dstIno = dcache.lookupLocked(to, toName);
        if (exchange && dstIno == Vnode.NO_INO) {
            throw FsException.of(Errno.ENOENT, "no \"%s\" in directory %d to exchange with", toName, to.ino);
        }
        if (dstIno != Vnode.NO_INO && (flags & OpenFlags.RENAME_NOREPLACE) != 0) {
            throw FsException.of(Errno.EEXIST, "\"%s\" exists in directory %d", toName, to.ino);
        }
        if (srcIno == trapInFrom || srcIno == to.ino) {
            throw FsException.of(Errno.EINVAL, "directory %d cannot move into itself", srcIno);
        }
        if (dstIno != Vnode.NO_INO && (dstIno == trapInTo || dstIno == from.ino)) {
            throw FsException.of(exchange ? Errno.EINVAL : Errno.ENOTEMPTY,
                    "\"%s\" (inode %d) contains directory %d", toName, dstIno, from.ino);
        }
        VfsInode moving = dcache.child(from, fromName, srcIno);
        VfsInode victim = null;
        try {
            if (dstIno == srcIno) {
                return; // two names of one inode: POSIX says do nothing
            }
            FlagChecks.mayDelete(from, fromName, moving);
            if (dstIno == Vnode.NO_INO) {
                FlagChecks.mayCreateIn(to, toName);
            } else {
                victim = dcache.child(to, toName, dstIno);
                FlagChecks.mayDelete(to, toName, victim);
                if (!exchange && moving.isDir() != victim.isDir()) {
                    throw FsException.of(victim.isDir() ? Errno.EISDIR : Errno.ENOTDIR, "\"%s\" is %sa directory, \"%s\" is %s",
                            toName, victim.isDir() ? "" : "not ", fromName, moving.isDir() ? "one" : "not");
                }
            }
            if (from != to) {
                checkLinks(moving, to, victim, exchange);
                if (exchange) {
                    checkLinks(victim, from, moving, true);
                }
            }
            lockPair(moving, victim);
            try {
                from.vnode().rename(fromName, moving.vnode(), to.vnode(), toName, victim == null ? null : victim.vnode(), flags);
                dcache.set(to, toName, moving);
                if (exchange) {
                    dcache.set(from, fromName, victim);
                } else {
                    dcache.setNegative(from, fromName);
                    if (victim != null && victim.isDir()) {
                        dcache.killDir(victim);
                    }
                }
            } finally {
                unlockPair(moving, victim);
            }
        } finally {
            icache.release(moving);
            if (victim != null) {
                icache.release(victim);
            }
        }
    }

    /** A directory moving into another one adds a link to it: EMLINK at the format's limit. */
    private void checkLinks(VfsInode moving, VfsInode newParent, VfsInode replaced, boolean exchange) throws FsException {
        if (moving.isDir() && (exchange || replaced == null) && newParent.vnode().nlink() >= sb.maxLinks()) {
            throw FsException.of(Errno.EMLINK, "directory %d has %d links, the most is %d", newParent.ino,
                    newParent.vnode().nlink(), sb.maxLinks());
        }
    }

    private static void lockPair(VfsInode a, VfsInode b) {
        if (b == null) {
            a.rwsem().lockExclusive(LockClass.CHILD);
            return;
        }
        VfsInode lo = a.ino < b.ino ? a : b;
        VfsInode hi = lo == a ? b : a;
        lo.rwsem().lockExclusive(LockClass.CHILD);
        hi.rwsem().lockExclusive(LockClass.CHILD);
    }

    private static void unlockPair(VfsInode a, VfsInode b) {
        if (b != null) {
            b.rwsem().unlockExclusive();
        }
        a.rwsem().unlockExclusive();
    }
}
