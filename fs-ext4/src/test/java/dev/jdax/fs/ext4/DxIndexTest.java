package dev.jdax.fs.ext4;

import dev.jdax.api.FsException;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A three-level index (large_dir: dx_root, two levels of dx_node, then leaves) laid out as ext4's
 * structures are, over 40,000 names in 1 KiB blocks: the descent finds every name's leaf; without
 * large_dir the same index is too deep and the lookup falls back (ERR_BAD_DX_DIR). Images Linux
 * grew this deep are checked by LinuxHtreeImagesTest (they take the kernel minutes to make).
 */
class DxIndexTest {
    private static final int BS = 1024;
    private static final int ROOT_LIMIT = (BS - 32) / 8;
    private static final int NODE_LIMIT = (BS - 8) / 8;

    private record Named(String name, int hash) {
    }

    private static Ext4Superblock superblock(boolean largeDir) {
        byte[] raw = new byte[Ext4Superblock.SIZE];
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort(0x38, (short) Ext4Superblock.MAGIC);
        b.putInt(0x60, Ext4Superblock.INCOMPAT_FILETYPE | (largeDir ? Ext4Superblock.INCOMPAT_LARGEDIR : 0));
        return new Ext4Superblock(raw);
    }

    @Test
    void aThreeLevelIndexLeadsEveryNameToItsLeaf() throws Exception {
        List<Named> names = new ArrayList<>();
        for (int i = 0; i < 40_000; i++) {
            String n = "file-" + i + "-" + Integer.toHexString(i * 7919);
            names.add(new Named(n, DirHash.of(n.getBytes(StandardCharsets.UTF_8), DirHash.HALF_MD4, new int[4]).major()));
        }
        names.sort((a, b) -> Integer.compareUnsigned(a.hash, b.hash));
        // Leaves of two names; an index entry holds a leaf's first hash, with the collision bit when
        // it equals the previous leaf's last hash (so a lookup continues into it).
        int leaves = names.size() / 2;
        Map<Long, ByteBuffer> blocks = new HashMap<>();
        Map<String, Long> leafOf = new HashMap<>();
        int level2 = (leaves + NODE_LIMIT - 1) / NODE_LIMIT;
        int level1 = (level2 + NODE_LIMIT - 1) / NODE_LIMIT;
        assertTrue(level1 > 1 && level1 <= ROOT_LIMIT, "three levels: " + level1 + " nodes under the root");
        long firstLeaf = 1 + level1 + level2;
        List<long[]> entries = new ArrayList<>(); // {hash, block}
        for (int l = 0; l < leaves; l++) {
            long blk = firstLeaf + l;
            Named a = names.get(2 * l);
            leafOf.put(a.name, blk);
            leafOf.put(names.get(2 * l + 1).name, blk);
            boolean continues = l > 0 && names.get(2 * l - 1).hash == a.hash;
            entries.add(new long[] {l == 0 ? 0 : (a.hash & 0xffffffffL) | (continues ? 1 : 0), blk});
        }
        List<long[]> up = pack(entries, 1 + level1, blocks, NODE_LIMIT, 8);
        List<long[]> top = pack(up, 1, blocks, NODE_LIMIT, 8);
        ByteBuffer root = ByteBuffer.allocate(BS).order(ByteOrder.LITTLE_ENDIAN);
        root.putShort(4, (short) 12);
        root.putShort(16, (short) (BS - 12));
        root.put(28, (byte) DirHash.HALF_MD4);
        root.put(29, (byte) 8);
        root.put(30, (byte) 2);
        entriesInto(root, 32, ROOT_LIMIT, top);
        blocks.put(0L, root);
        DxIndex.Blocks source = new DxIndex.Blocks() {
            @Override
            public ByteBuffer raw(long lblk) {
                ByteBuffer b = blocks.get(lblk);
                return b != null ? b.duplicate().order(ByteOrder.LITTLE_ENDIAN) : ByteBuffer.allocate(BS).order(ByteOrder.LITTLE_ENDIAN);
            }

            @Override
            public long count() {
                return firstLeaf + leaves;
            }
        };
        Ext4Inode dir = new Ext4Inode(null, 12, new byte[256]);
        DxIndex index = new DxIndex(superblock(true));
        for (int i = 0; i < names.size(); i += 7) {
            String n = names.get(i).name;
            List<Long> got = index.leavesFor(dir, n.getBytes(StandardCharsets.UTF_8), source);
            assertTrue(got.contains(leafOf.get(n)), n + ": leaves " + got + ", holder " + leafOf.get(n));
        }
        assertNull(new DxIndex(superblock(false)).leavesFor(dir, "file-1-1eef".getBytes(StandardCharsets.UTF_8), source),
                "three levels without large_dir: the index is not used (ERR_BAD_DX_DIR)");
    }

    /** Packs child entries {hash, block} into nodes from block {@code first}; returns the nodes' own entries. */
    private static List<long[]> pack(List<long[]> children, long first, Map<Long, ByteBuffer> blocks, int limit, int at) {
        List<long[]> out = new ArrayList<>();
        for (int i = 0; i < children.size(); i += limit) {
            List<long[]> part = children.subList(i, Math.min(children.size(), i + limit));
            ByteBuffer node = ByteBuffer.allocate(BS).order(ByteOrder.LITTLE_ENDIAN);
            node.putShort(4, (short) BS); // the fake dirent over the whole block
            entriesInto(node, at, limit, part);
            long blk = first + out.size();
            blocks.put(blk, node);
            out.add(new long[] {part.getFirst()[0], blk});
        }
        return out;
    }

    private static void entriesInto(ByteBuffer b, int at, int limit, List<long[]> entries) {
        b.putShort(at, (short) limit);
        b.putShort(at + 2, (short) entries.size());
        b.putInt(at + 4, (int) entries.getFirst()[1]);
        for (int i = 1; i < entries.size(); i++) {
            b.putInt(at + i * 8, (int) entries.get(i)[0]);
            b.putInt(at + i * 8 + 4, (int) entries.get(i)[1]);
        }
    }

    @Test
    void anUnknownHashVersionFallsBackToALinearSearch() throws FsException {
        ByteBuffer root = ByteBuffer.allocate(BS).order(ByteOrder.LITTLE_ENDIAN);
        root.putShort(4, (short) 12);
        root.putShort(16, (short) (BS - 12));
        root.put(28, (byte) 9);
        root.put(29, (byte) 8);
        entriesInto(root, 32, ROOT_LIMIT, List.<long[]>of(new long[] {0, 1}));
        DxIndex.Blocks source = new DxIndex.Blocks() {
            @Override
            public ByteBuffer raw(long lblk) {
                return root.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            }

            @Override
            public long count() {
                return 2;
            }
        };
        assertNull(new DxIndex(superblock(false)).leavesFor(new Ext4Inode(null, 12, new byte[256]), new byte[] {'a'}, source));
    }
}
