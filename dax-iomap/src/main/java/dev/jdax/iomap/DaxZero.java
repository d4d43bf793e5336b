package dev.jdax.iomap;

import dev.jdax.api.FsException;
import dev.jdax.api.Iomap;
import dev.jdax.api.IomapOps;
import dev.jdax.api.IomapType;

/**
 * {@code iomap_zero_range} for DAX: zeroes the written blocks under a byte range, leaving holes and
 * unwritten extents alone (they read as zeros already) and allocating nothing. Truncate uses it for
 * the tail of the last block; punch and zero-range for their partial blocks.
 */
public final class DaxZero {
    private DaxZero() {
    }

    /**
     * Zeroes {@code [offset, offset + length)} of the file on the device, where blocks are written.
     *
     * @param space  the file's address space
     * @param offset first byte to zero
     * @param length bytes to zero
     * @throws FsException when the personality cannot map the range (EIO)
     */
    public static void zeroRange(AddressSpace space, long offset, long length) throws FsException {
        long cur = offset;
        long end = offset + length;
        while (cur < end) {
            Iomap map = space.begin(cur, end - cur, IomapOps.ZERO | IomapOps.REPORT);
            long n = Math.min(map.end(), end) - cur;
            try {
                if (map.type() == IomapType.MAPPED && n > 0) {
                    map.device().zeroData(map.addrOf(cur), n);
                }
            } finally {
                space.end(cur, n, n, IomapOps.ZERO, map);
            }
            if (n <= 0) {
                break;
            }
            cur += n;
        }
    }
}
