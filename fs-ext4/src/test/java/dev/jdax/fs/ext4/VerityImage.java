package dev.jdax.fs.ext4;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What FS_IOC_ENABLE_VERITY leaves in an ext4 file, built as the format says (fs/verity/enable.c
 * build_merkle_tree, fs/ext4/verity.c): the data, zeros to the next 64 KiB, the Merkle tree with
 * its root level first, the fsverity_descriptor on the next block boundary, and its size in the
 * last four bytes of the last block. A test writes these bytes with mke2fs -d, then sets i_size to
 * the data's length and EXT4_VERITY_FL with debugfs, and lets e2fsck judge.
 */
final class VerityImage {
    private VerityImage() {
    }

    /** The whole file as it lies on disk past i_size too; {@code algorithm} 1 is SHA-256, 2 SHA-512. */
    static byte[] build(byte[] data, int bs, int algorithm, byte[] salt) throws Exception {
        String name = algorithm == 1 ? "SHA-256" : "SHA-512";
        int ds = algorithm == 1 ? 32 : 64;
        int hashBlock = algorithm == 1 ? 64 : 128;
        byte[] padded = salt.length == 0 ? new byte[0] : Arrays.copyOf(salt, (salt.length + hashBlock - 1) / hashBlock * hashBlock);
        // Levels bottom-up: each is the hashes of the one below, packed into zero-padded blocks.
        List<byte[]> levels = new ArrayList<>();
        byte[] below = data;
        byte[] root = new byte[ds];
        if (data.length > 0) {
            while (true) {
                ByteArrayOutputStream hashes = new ByteArrayOutputStream();
                for (int off = 0; off < below.length; off += bs) {
                    byte[] block = Arrays.copyOfRange(below, off, off + bs); // zero-padded past the end
                    MessageDigest md = MessageDigest.getInstance(name);
                    md.update(padded);
                    hashes.write(md.digest(block));
                }
                byte[] h = hashes.toByteArray();
                if (h.length == ds) {
                    root = h;
                    break;
                }
                byte[] level = Arrays.copyOf(h, (h.length + bs - 1) / bs * bs);
                levels.add(level);
                below = level;
            }
        }
        ByteArrayOutputStream tree = new ByteArrayOutputStream();
        for (int i = levels.size() - 1; i >= 0; i--) {
            tree.write(levels.get(i));
        }
        ByteBuffer desc = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
        desc.put(0, (byte) 1).put(1, (byte) algorithm).put(2, (byte) Integer.numberOfTrailingZeros(bs)).put(3, (byte) salt.length);
        desc.putLong(8, data.length);
        desc.put(16, root);
        desc.put(80, salt);
        long metadata = (data.length + 65535L) / 65536 * 65536;
        long descPos = (metadata + tree.size() + bs - 1) / bs * bs;
        long sizePos = (descPos + 256 + 4 + bs - 1) / bs * bs - 4;
        byte[] file = new byte[(int) sizePos + 4];
        System.arraycopy(data, 0, file, 0, data.length);
        System.arraycopy(tree.toByteArray(), 0, file, (int) metadata, tree.size());
        System.arraycopy(desc.array(), 0, file, (int) descPos, 256);
        ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).putInt((int) sizePos, 256);
        return file;
    }
}
