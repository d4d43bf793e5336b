package example.lucene;

import java.util.Random;

/**
 * A synthetic corpus from a seed: document {@code i} is the same wherever and by whichever thread
 * it is made. Words are drawn from a fixed vocabulary with a skewed (Zipf-like) distribution, so
 * some terms are in most documents and most terms in few, as in text.
 */
final class Corpus {
    static final int VOCABULARY = 4000;
    static final String[] CATEGORIES = {"news", "sport", "science", "art", "travel", "food", "music", "law"};

    private final long seed;

    Corpus(long seed) {
        this.seed = seed;
    }

    /** One document's fields, version {@code version} (an update makes version 1). */
    record Doc(String id, String body, String category, int year) {
    }

    Doc doc(int i, int version) {
        Random r = new Random(seed * 1_000_003L + i * 31L + version);
        int words = 30 + r.nextInt(60);
        StringBuilder body = new StringBuilder(words * 8);
        for (int w = 0; w < words; w++) {
            if (w > 0) {
                body.append(' ');
            }
            body.append(word(rank(r)));
        }
        return new Doc(id(i), body.toString(), CATEGORIES[r.nextInt(CATEGORIES.length)], 1990 + r.nextInt(35));
    }

    static String id(int i) {
        return String.format("d%06d", i);
    }

    /** A rank in [0, VOCABULARY), small ranks far more likely. */
    private static int rank(Random r) {
        return (int) (Math.pow(VOCABULARY, r.nextDouble()) - 1);
    }

    /** The word of a rank: syllables spelled from the rank's digits, so every rank has its own word. */
    static String word(int rank) {
        String[] syllables = {"ka", "lo", "mi", "ne", "tu", "ra", "shi", "po", "de", "vu", "zo", "qi"};
        StringBuilder w = new StringBuilder();
        int n = rank + 1;
        while (n > 0) {
            w.append(syllables[n % syllables.length]);
            n /= syllables.length;
        }
        return w.toString();
    }
}
