package dev.jdax.fs.ext4;

import dev.jdax.api.DaxDevice;
import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.FileSystemType;
import dev.jdax.api.fs.MountOptions;
import dev.jdax.iomap.LockingModel;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Set;

/**
 * Mounting ext4 as ext4_fill_super does: the superblock checked before anything is written, mmp
 * taken, a journal a crash left replayed (its full commits, then its fast commits), and the file
 * system opened read-only or read-write.
 */
final class Ext4Mounting {
    private static final Set<String> KNOWN_OPTIONS = Set.of("dax", "ro", "rw", "media_errors", "locking", "errors",
            "dioread_nolock", "nodioread_nolock", "user_xattr", "nouser_xattr", "acl", "noacl", "data", "barrier", "nobarrier");

    private Ext4Mounting() {
    }

    static Ext4Superblock readSuperblock(DaxDevice device) throws FsException {
        byte[] raw = new byte[Ext4Superblock.SIZE];
        device.load(Ext4Superblock.OFFSET, MemorySegment.ofArray(raw), 0, raw.length);
        return new Ext4Superblock(raw);
    }

    static Ext4FileSystem mount(FileSystemType type, DaxDevice device, MountOptions options) throws FsException {
        options.requireKnown("ext4", KNOWN_OPTIONS);
        String dax = !options.has("dax") ? "never" : options.value("dax", "").isEmpty() ? "always" : options.value("dax", "");
        if (!Set.of("always", "never", "inode").contains(dax)) {
            throw FsException.of(Errno.EINVAL, "ext4: dax=%s: want always, never or inode", dax);
        }
        MountCheck.dataMode(options.value("data", "ordered"), dax);
        Ext4Superblock sb = readSuperblock(device);
        // Checked before the journal is touched, as ext4_fill_super does: a refused mount writes nothing.
        boolean torn = MountCheck.tornAwaitingReplay(sb);
        MountCheck.Verdict verdict = torn ? null : MountCheck.check(sb, device.size(), options.readOnly(), dax);
        // ext4_multi_mount_protect, for a read-write mount, before the journal is loaded.
        Mmp mmp = verdict != null && !options.readOnly() && !verdict.readOnly() && Mmp.enabled(sb)
                ? Mmp.start(device, sb, Mmp.REAL_TIME) : null;
        try {
            return mount(type, device, options, sb, torn, verdict, dax, mmp);
        } catch (FsException | RuntimeException e) {
            if (mmp != null) {
                mmp.close();
            }
            throw e;
        }
    }

    private static Ext4FileSystem mount(FileSystemType type, DaxDevice device, MountOptions options, Ext4Superblock sb,
                                        boolean torn, MountCheck.Verdict verdict, String dax, Mmp mmp) throws FsException {
        if (recoverJournal(type, device, sb, torn) > 0 || torn) {
            sb = readSuperblock(device);
            verdict = MountCheck.check(sb, device.size(), options.readOnly(), dax);
        }
        boolean orphans = sb.s_last_orphan() != 0 || (sb.s_feature_ro_compat() & Ext4Superblock.RO_COMPAT_ORPHAN_PRESENT) != 0;
        if (options.readOnly() && orphans && !verdict.readOnly() && (sb.s_state() & 2) == 0) {
            // ext4_orphan_cleanup runs on a read-only mount too ("orphan cleanup on readonly fs"),
            // unless the file system has errors or a feature it could not write: jdax does it in a
            // writable mount of its own, unmounted cleanly, before the read-only one.
            mount(type, device, options.with("rw", null)).close();
            sb = readSuperblock(device);
            verdict = MountCheck.check(sb, device.size(), true, dax);
        }
        if (dax.equals("inode") && !verdict.daxCapable()) {
            dax = "never"; // ext4_should_enable_dax: no file is DAX on a device that cannot be
        }
        boolean ro = options.readOnly() || verdict.readOnly();
        if (mmp == null && !ro && Mmp.enabled(sb)) {
            mmp = Mmp.start(device, sb, Mmp.REAL_TIME); // the superblock could only be checked after the replay
        }
        LockingModel locking = options.has("dioread_nolock") ? LockingModel.DIOREAD_NOLOCK : LockingModel.INODE_RWSEM;
        Ext4FileSystem fs = new Ext4FileSystem(type, device, options, sb, ro, dax, locking);
        fs.readOnlyReason = verdict.readOnlyReason();
        fs.mmp = mmp;
        fs.countFree();
        if (!ro) {
            fs.startWriting();
        }
        return fs;
    }


    /**
     * What the journal holds, read and not replayed ({@code jdax info}): none, clean, or the
     * committed transactions and fast-commit records a mount would replay; and whether inodes wait
     * on the orphan list.
     */
    static String journalState(DaxDevice device, Ext4Superblock sb) throws FsException {
        String orphans = sb.s_last_orphan() != 0 ? ", orphan list not empty" : "";
        if ((sb.s_feature_compat() & Ext4Superblock.COMPAT_HAS_JOURNAL) == 0 || sb.s_journal_inum() == 0) {
            return "no journal" + orphans;
        }
        Jbd2Journal.Recovery r = Jbd2Journal.open(device, sb.blockSize(), Ext4FileSystem.journalBlockMap(device, sb)).scan();
        if (r == null) {
            return "journal clean" + orphans;
        }
        int fc = FastCommitLog.scan(r.fastCommitBlocks(), r.endTid(), sb.s_inode_size()).size();
        return "journal needs recovery: " + r.replayed() + (r.replayed() == 1 ? " transaction" : " transactions")
                + " to replay" + (fc > 0 ? ", " + fc + " fast-commit records" : "") + orphans;
    }

    /**
     * Replays a journal a crash left (ours or the kernel's): its committed transactions, then the
     * fast commits after them ({@link FastCommitReplay}), as jbd2_journal_recover does before the
     * journal is marked empty; returns the transactions replayed. A {@code torn} superblock is replayed
     * over only when a committed transaction logged its block: else nothing is written and the mount
     * fails on the checksum.
     */
    private static int recoverJournal(FileSystemType type, DaxDevice device, Ext4Superblock sb, boolean torn)
            throws FsException {
        if (sb.s_magic() != Ext4Superblock.MAGIC || (sb.s_feature_compat() & Ext4Superblock.COMPAT_HAS_JOURNAL) == 0
                || sb.s_journal_inum() == 0) {
            return 0;
        }
        Jbd2Journal j = Jbd2Journal.open(device, sb.blockSize(), Ext4FileSystem.journalBlockMap(device, sb));
        Jbd2Journal.Recovery r = j.scan();
        if (r == null || torn && !r.logs(Ext4Superblock.OFFSET / sb.blockSize())) {
            return 0;
        }
        List<FastCommitLog.Tag> fastCommits = FastCommitLog.scan(r.fastCommitBlocks(), r.endTid(), sb.s_inode_size());
        j.replay(r);
        if (!fastCommits.isEmpty()) {
            Ext4Superblock replayed = readSuperblock(device);
            String cannot = MountCheck.check(replayed, device.size(), false, "never").readOnlyReason();
            if (cannot != null) {
                throw FsException.of(Errno.EOPNOTSUPP, "ext4: the journal holds %d fast-commit records to replay, and jdax "
                        + "cannot write this file system (%s)", fastCommits.size(), cannot);
            }
            FastCommitReplay.replay(new Ext4FileSystem(type, device, MountOptions.none(), replayed, false, "never",
                    LockingModel.INODE_RWSEM), fastCommits);
        }
        int replayed = r.replayed() + (fastCommits.isEmpty() ? 0 : 1);
        Ext4Superblock now = readSuperblock(device);
        boolean intact = now.checksumHolds();
        boolean cleared = intact && (now.s_feature_incompat() & Ext4Superblock.INCOMPAT_RECOVER) != 0;
        if (cleared) {
            // What needs_recovery announced is done (ext4_mark_recovery_complete). Written in place
            // while the journal still holds its transactions, not after as Linux does: a crash that
            // tears this write leaves a superblock the next mount's replay repairs (see above).
            now.b.putInt(0x60, now.s_feature_incompat() & ~Ext4Superblock.INCOMPAT_RECOVER);
            now.updateChecksum();
            device.store(Ext4Superblock.OFFSET, MemorySegment.ofArray(now.bytes()), 0, Ext4Superblock.SIZE);
            device.fence();
        }
        j.recovered(r);
        return cleared ? Math.max(replayed, 1) : replayed;
    }
}
