package dev.jdax.fs.ext2;

import dev.jdax.api.Errno;
import dev.jdax.api.FsException;
import dev.jdax.api.fs.DeviceNumbers;
import dev.jdax.api.fs.DirEntry;
import dev.jdax.api.fs.DirStream;
import dev.jdax.api.fs.FileType;
import dev.jdax.api.fs.Vnode;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * ext2's inode operations on directories ({@code ext2_dir_inode_operations}): the format's part of
 * every namespace change. The VFS has checked names, existence, link limits and ancestry, and holds
 * the directories and inodes involved; this class changes the directory blocks and link counts.
 */
final class Ext2Namespace {
    private final Ext2FileSystem fs;
    private final Dir dir;

    Ext2Namespace(Ext2FileSystem fs, Dir dir) {
        this.fs = fs;
        this.dir = dir;
    }

    long lookup(Ext2Inode d, String name) throws FsException {
        Dir.Entry e = dir.find(d, name);
        return e == null ? Vnode.NO_INO : e.ino();
    }

    List<DirEntry> readdir(Ext2Inode d) throws FsException {
        List<DirEntry> out = new ArrayList<>();
        for (Dir.Entry e : dir.entries(d)) {
            if (e.ino() != 0 && !e.name().equals(".") && !e.name().equals("..")) {
                out.add(new DirEntry(e.name(), e.ino(), typeOfDirent(e)));
            }
        }
        return out;
    }

    /**
     * ext2_readdir: the records in order, each at its byte offset in the directory, the end at the
     * directory's size; a record's type is its file_type (unknown without the filetype feature).
     */
    DirStream getdents(Ext2Inode d) throws FsException {
        List<DirStream.Entry> out = new ArrayList<>();
        int bs = fs.blockSize();
        for (Dir.Entry e : dir.entries(d)) {
            if (e.ino() != 0) {
                out.add(new DirStream.Entry(e.name(), e.ino(), FileType.ofDirentType(e.fileType()), e.index() * bs + e.offset()));
            }
        }
        return new DirStream(out, d.size());
    }

    private FileType typeOfDirent(Dir.Entry e) throws FsException {
        return switch (e.fileType()) {
            case 1 -> FileType.REGULAR;
            case 2 -> FileType.DIRECTORY;
            case 3 -> FileType.CHAR_DEVICE;
            case 4 -> FileType.BLOCK_DEVICE;
            case 5 -> FileType.FIFO;
            case 6 -> FileType.SOCKET;
            case 7 -> FileType.SYMLINK;
            default -> fs.iget(e.ino()).type();
        };
    }

    Ext2Inode create(Ext2Inode d, String name, int mode, int uid, int gid) throws FsException {
        fs.requireWritable();
        Ext2Inode in = fs.newInode(d, name, mode, uid, gid);
        dir.add(d, name, in.ino, fs.ftype(in.type()));
        return in;
    }

    /**
     * ext2_mknod: a device, FIFO or socket; a device's number goes into i_block as
     * ext2_write_inode puts it ({@link DeviceNumbers#extEncode}), before the name is added.
     */
    Ext2Inode mknod(Ext2Inode d, String name, int mode, long rdev, int uid, int gid) throws FsException {
        fs.requireWritable();
        Ext2Inode in = fs.newInode(d, name, mode, uid, gid);
        if (DeviceNumbers.hasDevice(in.type())) {
            int[] words = DeviceNumbers.extEncode(rdev);
            fs.changeInode(in, i -> {
                i.i_block(0, words[0]);
                i.i_block(1, words[1]);
            });
        }
        dir.add(d, name, in.ino, fs.ftype(in.type()));
        return in;
    }

    /**
     * ext2_tmpfile: a new inode in {@code d}'s group but in no directory, with no link. ext2 keeps no
     * orphan list: a crash before its last close leaves it in use with no link, for e2fsck to find.
     */
    Ext2Inode tmpfile(Ext2Inode d, int mode, int uid, int gid) throws FsException {
        fs.requireWritable();
        Ext2Inode in = fs.newInode(d, null, mode, uid, gid);
        fs.changeInode(in, i -> i.i_links_count(0));
        return in;
    }

    Ext2Inode mkdir(Ext2Inode d, String name, int mode, int uid, int gid) throws FsException {
        Ext2Inode in = create(d, name, (mode & 07777) | FileType.DIRECTORY.modeBits(), uid, gid);
        dir.init(in, d.ino);
        fs.changeInode(d, p -> p.i_links_count(p.i_links_count() + 1));
        return in;
    }

    Ext2Inode symlink(Ext2Inode d, String name, String target, int uid, int gid) throws FsException {
        byte[] t = target.getBytes(StandardCharsets.UTF_8);
        if (t.length == 0 || t.length >= fs.blockSize()) {
            throw FsException.of(t.length == 0 ? Errno.ENOENT : Errno.ENAMETOOLONG, "ext2: symlink target of %d bytes", t.length);
        }
        Ext2Inode in = create(d, name, 0777 | FileType.SYMLINK.modeBits(), uid, gid);
        if (t.length < 60) {
            in.b.put(40, t);
        } else {
            var m = fs.blockMap().map(in, 0, 1, true);
            ByteBuffer blk = ByteBuffer.allocate(fs.blockSize());
            blk.put(0, t);
            fs.disk().write(m.pblock(), blk, "symlink " + in.ino);
        }
        fs.changeInode(in, i -> i.i_size(t.length));
        return in;
    }

    void link(Ext2Inode d, String name, Ext2Inode target) throws FsException {
        dir.add(d, name, target.ino, fs.ftype(target.type()));
        fs.changeInode(target, i -> {
            i.i_links_count(i.i_links_count() + 1);
            i.touch(false, true);
        });
    }

    void unlink(Ext2Inode d, String name, Ext2Inode victim) throws FsException {
        dir.remove(d, find(d, name));
        dropLink(victim);
    }

    private void dropLink(Ext2Inode in) throws FsException {
        fs.changeInode(in, i -> {
            i.i_links_count(Math.max(0, i.i_links_count() - 1));
            i.touch(false, true);
        });
    }

    void rmdir(Ext2Inode d, String name, Ext2Inode victim) throws FsException {
        if (!dir.isEmpty(victim)) {
            throw FsException.of(Errno.ENOTEMPTY, "ext2: directory \"%s\" is not empty", name);
        }
        dir.remove(d, find(d, name));
        fs.changeInode(victim, v -> v.i_links_count(0));
        fs.changeInode(d, p -> p.i_links_count(p.i_links_count() - 1));
    }

    /** ext2_rename: the new name first (retargeted or added), then the old one goes, then ".." and link counts. */
    void rename(Ext2Inode src, String fromName, Ext2Inode moving, Ext2Inode dst, String toName, Ext2Inode victim)
            throws FsException {
        if (victim != null) {
            if (victim.isDir() && !dir.isEmpty(victim)) {
                throw FsException.of(Errno.ENOTEMPTY, "ext2: directory \"%s\" is not empty", toName);
            }
            dir.retarget(dst, find(dst, toName), moving.ino, fs.ftype(moving.type()));
            if (victim.isDir()) {
                fs.changeInode(victim, v -> v.i_links_count(0));
                fs.changeInode(dst, p -> p.i_links_count(p.i_links_count() - 1));
            } else {
                dropLink(victim);
            }
        } else {
            dir.add(dst, toName, moving.ino, fs.ftype(moving.type()));
        }
        dir.remove(src, find(src, fromName));
        if (moving.isDir() && src != dst) {
            Dir.Entry dotdot = dir.find(moving, "..");
            if (dotdot != null) {
                dir.retarget(moving, dotdot, dst.ino, fs.ftype(FileType.DIRECTORY));
            }
            fs.changeInode(src, p -> p.i_links_count(p.i_links_count() - 1));
            fs.changeInode(dst, p -> p.i_links_count(p.i_links_count() + 1));
        }
        fs.changeInode(moving, m -> m.touch(false, true));
    }

    private Dir.Entry find(Ext2Inode d, String name) throws FsException {
        Dir.Entry e = dir.find(d, name);
        if (e == null) {
            throw FsException.of(Errno.EUCLEAN, "ext2: directory %d lost \"%s\" under its lock", d.ino, name);
        }
        return e;
    }
}
