package dev.jdax.fs.ext4;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.DeviceNumbers;
import dev.jdax.api.fs.DirEntry;
import dev.jdax.api.fs.FileType;
import dev.jdax.api.fs.Vnode;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * ext4's inode operations on directories ({@code ext4_dir_inode_operations}): the format's part of
 * every namespace change, each one jbd2 transaction handle. The VFS has checked names, existence,
 * link limits and ancestry and holds the directories and inodes involved; this class changes the
 * directory blocks and link counts, and puts an inode whose last link goes on the orphan list.
 */
final class Ext4Namespace {
    private final Ext4FileSystem fs;
    private final Ext4Dir dir;
    private final Orphans orphans;

    Ext4Namespace(Ext4FileSystem fs, Ext4Dir dir, Orphans orphans) {
        this.fs = fs;
        this.dir = dir;
        this.orphans = orphans;
    }

    long lookup(Ext4Inode d, String name) throws FsException {
        Ext4Dir.Entry e = dir.find(d, name);
        return e == null ? Vnode.NO_INO : e.ino();
    }

    /** The dentry key of {@code name} in {@code d}: folded in a casefolded directory, when it can be folded. */
    String dentryName(Ext4Inode d, String name) {
        return dir.folds(d) && StandardCharsets.UTF_8.newEncoder().canEncode(name) ? Casefold.fold(name) : name;
    }

    /** ext4_dir_llseek: a hashed directory ends at the 64-bit htree EOF (a 64-bit caller's); a linear one at its size. */
    long directorySeekEnd(Ext4Inode d) {
        return dir.isDxDir(d) ? Long.MAX_VALUE : d.size();
    }

    /** The entries but {@code .} and {@code ..}, in the order ext4_readdir returns them ({@link Ext4Dir#readdirOrder}). */
    List<DirEntry> readdir(Ext4Inode d) throws FsException {
        List<DirEntry> out = new ArrayList<>();
        for (Ext4Dir.Entry e : dir.readdirOrder(d)) {
            if (e.ino() != 0 && !e.name().equals(".") && !e.name().equals("..")) {
                FileType t = switch (e.fileType()) {
                    case 1 -> FileType.REGULAR;
                    case 2 -> FileType.DIRECTORY;
                    case 7 -> FileType.SYMLINK;
                    case 3 -> FileType.CHAR_DEVICE;
                    case 4 -> FileType.BLOCK_DEVICE;
                    case 5 -> FileType.FIFO;
                    case 6 -> FileType.SOCKET;
                    default -> fs.iget(e.ino()).type();
                };
                out.add(new DirEntry(e.name(), e.ino(), t));
            }
        }
        return out;
    }

    /**
     * fscrypt_prepare_new_inode, __fscrypt_prepare_link and __fscrypt_prepare_rename without the key:
     * no name can be made in an encrypted directory (its ciphertext needs the key), nor moved into
     * or out of one. jdax never has the key.
     */
    private static void requireKey(Ext4Inode d, String what) throws FsException {
        if (NoKeyNames.encrypted(d)) {
            throw FsException.of(Errno.ENOKEY, "ext4: directory %d is encrypted and its key is not available: cannot %s", d.ino, what);
        }
    }

    private Ext4Inode make(Ext4Inode d, String name, int mode, int uid, int gid) throws FsException {
        requireKey(d, "create \"" + name + "\"");
        dir.readyForChange(d); // an inline directory moves to a block before the inode is taken
        Ext4Inode in = fs.newInode(d, name, mode, uid, gid);
        try {
            dir.add(d, name, in.ino, Ext4Dir.fileType(in.type()));
        } catch (FsException e) {
            // ext4_add_nondir: a name that cannot be added gives its new inode back (a full index, no space).
            fs.changeInode(in, i -> i.i_links_count(0));
            fs.release(in);
            throw e;
        }
        return in;
    }

    Ext4Inode create(Ext4Inode d, String name, int mode, int uid, int gid) throws FsException {
        return fs.op(() -> make(d, name, (mode & 07777) | FileType.REGULAR.modeBits(), uid, gid));
    }

    Ext4Inode mkdir(Ext4Inode d, String name, int mode, int uid, int gid) throws FsException {
        return fs.op(() -> {
            Ext4Inode in = make(d, name, (mode & 07777) | FileType.DIRECTORY.modeBits(), uid, gid);
            dir.init(in, d.ino);
            fs.changeInode(d, p -> p.i_links_count(incDirLinks(p.i_links_count())));
            return in;
        });
    }

    /** dir_nlink: past 65000 a directory's link count stays 1, "many". */
    private static int incDirLinks(int links) {
        return links >= 64999 || links == 1 ? 1 : links + 1;
    }

    /**
     * ext4_mknod: a device, FIFO or socket. ext4_new_inode gives only directories, regular files and
     * symbolic links an extent tree; a device's number fills i_block as ext4_do_update_inode writes it.
     */
    Ext4Inode mknod(Ext4Inode d, String name, int mode, long rdev, int uid, int gid) throws FsException {
        int[] words = DeviceNumbers.hasDevice(FileType.ofMode(mode)) ? DeviceNumbers.extEncode(rdev) : new int[2];
        return fs.op(() -> {
            Ext4Inode in = make(d, name, mode, uid, gid);
            fs.changeInode(in, i -> {
                i.i_flags(i.i_flags() & ~Ext4Inode.EXTENTS_FL);
                i.b.put(0x28, new byte[60]);
                i.b.putInt(0x28, words[0]);
                i.b.putInt(0x2c, words[1]);
            });
            in.extents = null;
            return in;
        });
    }

    Ext4Inode symlink(Ext4Inode d, String name, String target, int uid, int gid) throws FsException {
        byte[] t = target.getBytes(StandardCharsets.UTF_8);
        if (t.length == 0 || t.length >= fs.blockSize()) {
            throw FsException.of(t.length == 0 ? Errno.ENOENT : Errno.ENAMETOOLONG, "ext4: symlink target of %d bytes", t.length);
        }
        return fs.op(() -> {
            Ext4Inode in = make(d, name, 0777 | FileType.SYMLINK.modeBits(), uid, gid);
            if (t.length < 60) {
                fs.changeInode(in, i -> {
                    i.i_flags(i.i_flags() & ~Ext4Inode.EXTENTS_FL);
                    i.b.put(0x28, new byte[60]);
                    i.b.put(0x28, t);
                    i.i_size(t.length);
                });
                in.extents = null;
            } else {
                Extent e = fs.allocate(in, 0, 1, false);
                ByteBuffer blk = ByteBuffer.allocate(fs.blockSize());
                blk.put(0, t);
                fs.disk().write(e.pblk(), blk, "symlink " + in.ino);
                fs.changeInode(in, i -> i.i_size(t.length));
            }
            return in;
        });
    }

    /**
     * ext4_tmpfile: a new regular file in {@code d}'s group but in no directory, with no link, on
     * the orphan list from the transaction that makes it (a crash frees it at the next mount).
     */
    Ext4Inode tmpfile(Ext4Inode d, int mode, int uid, int gid) throws FsException {
        requireKey(d, "make an unnamed file"); // fscrypt_prepare_new_inode
        return fs.op(() -> {
            Ext4Inode in = fs.newInode(d, null, (mode & 07777) | FileType.REGULAR.modeBits(), uid, gid);
            orphans.chain(in); // the change below writes its count and its place on the list at once
            fs.changeInode(in, i -> i.i_links_count(0));
            return in;
        });
    }

    /**
     * ext4_link's, ext4_rename's and ext4_cross_rename's rule for a directory with proj-inherit: it
     * takes a name only for an inode of its own project (EXDEV otherwise, which mv answers by
     * copying), or the project's quota could be walked around. An exchange asks both directories.
     */
    private static void requireProject(Ext4Inode dir, Ext4Inode in, String op, String name) throws FsException {
        if ((dir.i_flags() & Ext4Inode.PROJINHERIT_FL) != 0 && dir.projectId() != in.projectId()) {
            throw FsException.of(Errno.EXDEV, "ext4: %s \"%s\": inode %d is in project %d, directory %d (proj-inherit) in %d",
                    op, name, in.ino, in.projectId(), dir.ino, dir.projectId());
        }
    }

    void link(Ext4Inode d, String name, Ext4Inode target) throws FsException {
        requireKey(d, "link \"" + name + "\"");
        requireProject(d, target, "link", name);
        fs.opVoid(() -> {
            dir.add(d, name, target.ino, Ext4Dir.fileType(target.type()));
            fs.changeInode(target, i -> {
                i.i_links_count(i.i_links_count() + 1);
                i.touch(false, true);
            });
            if (orphans.contains(target)) {
                orphans.remove(target); // named at last: an O_TMPFILE file, or an open one linked again
            }
        });
    }

    void unlink(Ext4Inode d, String name, Ext4Inode victim) throws FsException {
        fs.opVoid(() -> {
            dir.remove(d, find(d, name));
            dropLink(victim);
        });
    }

    /** ext4_dec_count, and ext4_orphan_add when the last link goes: a crash then frees it at mount. */
    private void dropLink(Ext4Inode in) throws FsException {
        // Nothing else changes the link count meanwhile: the VFS holds the victim's i_rwsem. The
        // change below writes the inode once, with both its new count and its place on the orphan list.
        if (in.i_links_count() <= 1) {
            orphans.chain(in);
        }
        fs.changeInode(in, i -> {
            i.i_links_count(Math.max(0, i.i_links_count() - 1));
            i.touch(false, true);
        });
    }

    private void dropDirLink(Ext4Inode parent) throws FsException {
        fs.changeInode(parent, p -> {
            if (p.i_links_count() > 2) {
                p.i_links_count(p.i_links_count() - 1);
            }
        });
    }

    void rmdir(Ext4Inode d, String name, Ext4Inode victim) throws FsException {
        if (!dir.isEmpty(victim)) {
            throw FsException.of(Errno.ENOTEMPTY, "ext4: directory \"%s\" is not empty", name);
        }
        fs.opVoid(() -> {
            dir.remove(d, find(d, name));
            fs.changeInode(victim, v -> v.i_links_count(0));
            dropDirLink(d);
            orphans.add(victim);
        });
    }

    /** ext4_cross_rename (RENAME_EXCHANGE): the two names swap inodes; "..", link counts follow directories. */
    private void exchange(Ext4Inode src, String fromName, Ext4Inode moving, Ext4Inode dst, String toName, Ext4Inode other)
            throws FsException {
        fs.opVoid(() -> {
            dir.retarget(src, fromName, other.ino, Ext4Dir.fileType(other.type()));
            dir.retarget(dst, toName, moving.ino, Ext4Dir.fileType(moving.type()));
            if (src != dst) {
                if (moving.isDir()) {
                    dir.retarget(moving, "..", dst.ino, Ext4Dir.fileType(FileType.DIRECTORY));
                }
                if (other.isDir()) {
                    dir.retarget(other, "..", src.ino, Ext4Dir.fileType(FileType.DIRECTORY));
                }
                if (moving.isDir() != other.isDir()) {
                    Ext4Inode gains = moving.isDir() ? dst : src;
                    dropDirLink(moving.isDir() ? src : dst);
                    fs.changeInode(gains, p -> p.i_links_count(incDirLinks(p.i_links_count())));
                }
            }
            fs.changeInode(moving, m -> m.touch(false, true));
            fs.changeInode(other, m -> m.touch(false, true));
        });
    }

    /** ext4_rename: the new name first (retargeted or added), then the old one, then ".." and link counts. */
    void rename(Ext4Inode src, String fromName, Ext4Inode moving, Ext4Inode dst, String toName, Ext4Inode victim, int flags)
            throws FsException {
        requireKey(src, "rename \"" + fromName + "\"");
        requireKey(dst, "rename to \"" + toName + "\"");
        requireProject(dst, moving, "rename to", toName);
        if ((flags & dev.jdax.api.fs.OpenFlags.RENAME_EXCHANGE) != 0) {
            requireProject(src, victim, "rename to", fromName);
            exchange(src, fromName, moving, dst, toName, victim);
            return;
        }
        if (victim != null && victim.isDir() && !dir.isEmpty(victim)) {
            throw FsException.of(Errno.ENOTEMPTY, "ext4: directory \"%s\" is not empty", toName);
        }
        fs.opVoid(() -> {
            int ftype = Ext4Dir.fileType(moving.type());
            if (victim != null) {
                dir.retarget(dst, toName, moving.ino, ftype);
                if (victim.isDir()) {
                    fs.changeInode(victim, v -> v.i_links_count(0));
                    dropDirLink(dst);
                    orphans.add(victim);
                } else {
                    dropLink(victim);
                }
            } else {
                dir.add(dst, toName, moving.ino, ftype);
            }
            dir.remove(src, find(src, fromName));
            if (moving.isDir() && src != dst) {
                dir.retarget(moving, "..", dst.ino, Ext4Dir.fileType(FileType.DIRECTORY));
                dropDirLink(src);
                fs.changeInode(dst, p -> p.i_links_count(incDirLinks(p.i_links_count())));
            }
            fs.changeInode(moving, m -> m.touch(false, true));
        });
    }

    private Ext4Dir.Entry find(Ext4Inode d, String name) throws FsException {
        Ext4Dir.Entry e = dir.find(d, name);
        if (e == null) {
            throw FsException.of(Errno.EUCLEAN, "ext4: directory %d lost \"%s\" under its lock", d.ino, name);
        }
        return e;
    }
}
