package dev.jdax.fs.xfs;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The intents a log holds without their done items, in log order: an intent item is kept until a
 * done item of the next type names its id (xlog_recover_release_intent). Every intent and done
 * item of XFS's log starts {type, size, count or pad, id}, so the pairing needs no kind's own
 * format; recovery parses what is left ({@link LogIntent#parse}), {@code jdax info} counts it.
 */
final class PendingIntents {
    /** The intent item types (EFI, RUI, CUI, BUI, ATTRI); each one's done item is the next type. */
    private static final Set<Integer> INTENT_TYPES = Set.of(LogFormat.XFS_LI_EFI, 0x1240, LogIntent.XFS_LI_CUI,
            LogIntent.XFS_LI_BUI, 0x1246);

    private record Key(int type, long id) {
    }

    /** An intent left: its item type and its format region. */
    record Pending(int type, byte[] format) {
    }

    private final Map<Key, Pending> open = new LinkedHashMap<>();

    /**
     * Keeps an intent item, or releases the intent a done item names; other items, and formats too
     * short to name an id, are left alone.
     *
     * @return whether {@code type} was an intent or a done item
     */
    boolean note(int type, byte[] format) {
        boolean done = INTENT_TYPES.contains(type - 1);
        if (!INTENT_TYPES.contains(type) && !done || format.length < 16) {
            return false;
        }
        if (done) {
            open.remove(new Key(type - 1, LogIntent.doneId(format)));
        } else {
            open.put(new Key(type, LogIntent.doneId(format)), new Pending(type, format));
        }
        return true;
    }

    /** The intents left, in log order. */
    List<Pending> left() {
        return new ArrayList<>(open.values());
    }
}
