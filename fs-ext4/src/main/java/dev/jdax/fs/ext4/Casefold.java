package dev.jdax.fs.ext4;

import com.ibm.icu.lang.UCharacter;
import com.ibm.icu.lang.UProperty;
import com.ibm.icu.text.Normalizer2;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/**
 * The name folding of a casefold file system (s_encoding EXT4_ENC_UTF8_12_1), as Linux 6.1's
 * {@code utf8_casefold} gives it from fs/unicode's nfdicf table: every code point replaced by its
 * full case folding (CaseFolding.txt, statuses C and F), everything canonically decomposed and
 * reordered (NFD), and default-ignorable code points dropped, as the 12.1 tables of Linux 6.1 and
 * e2fsprogs 1.47 drop them. Java folds case only simply, so ICU4J gives the folding; its tables are
 * of a later Unicode than 12.1, so names with characters assigned or changed after 12.1 may fold
 * differently from Linux's.
 */
final class Casefold {
    /** EXT4_ENC_UTF8_12_1: the only encoding Linux 6.1 knows. */
    static final int ENC_UTF8_12_1 = 1;
    /** EXT4_ENC_STRICT_MODE_FL: names that are not valid UTF-8 are refused in casefolded directories. */
    static final int STRICT_MODE_FL = 0x1;
    /** EXT4_CASEFOLD_FL: the directory compares its names folded. */
    static final int CASEFOLD_FL = 0x40000000;

    private static final Normalizer2 NFD = Normalizer2.getNFDInstance();

    private final boolean strict;

    Casefold(boolean strict) {
        this.strict = strict;
    }

    /** Whether names that are not valid UTF-8 are refused (EXT4_ENC_STRICT_MODE_FL). */
    boolean strict() {
        return strict;
    }

    /** Whether {@code dir} compares its names folded (EXT4_CASEFOLD_FL). */
    static boolean folds(Ext4Inode dir) {
        return (dir.i_flags() & CASEFOLD_FL) != 0;
    }

    /** The name decoded, or null when it is not well-formed UTF-8 (utf8_validate failing). */
    static String decode(byte[] name) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(name)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** utf8_casefold: the folded name's UTF-8 bytes, or null when the name is not valid UTF-8. */
    static byte[] fold(byte[] name) {
        if (ascii(name)) {
            // ASCII folds to its lower case and has nothing to decompose or ignore: no decoding.
            byte[] out = name.clone();
            for (int i = 0; i < out.length; i++) {
                if (out[i] >= 'A' && out[i] <= 'Z') {
                    out[i] += 'a' - 'A';
                }
            }
            return out;
        }
        String s = decode(name);
        return s == null ? null : fold(s).getBytes(StandardCharsets.UTF_8);
    }

    private static boolean ascii(byte[] name) {
        for (byte b : name) {
            if (b < 0) {
                return false;
            }
        }
        return true;
    }

    /** The folded form of a decoded name. */
    static String fold(String s) {
        if (s.chars().allMatch(c -> c < 0x80)) {
            return s.toLowerCase(Locale.ROOT);
        }
        String folded = NFD.normalize(UCharacter.foldCase(NFD.normalize(s), UCharacter.FOLD_CASE_DEFAULT));
        StringBuilder out = new StringBuilder(folded.length());
        folded.codePoints().filter(cp -> !UCharacter.hasBinaryProperty(cp, UProperty.DEFAULT_IGNORABLE_CODE_POINT))
                .forEach(out::appendCodePoint);
        return out.toString();
    }

    /**
     * ext4_match in a casefolded directory: the names are equal once folded; a name that is not
     * valid UTF-8 matches only itself, byte for byte, as Linux compares it when it cannot fold it.
     */
    static boolean same(byte[] folded, byte[] want, byte[] entry) {
        if (folded != null) {
            byte[] other = fold(entry);
            if (other != null) {
                return Arrays.equals(folded, other);
            }
        }
        return Arrays.equals(want, entry);
    }
}
