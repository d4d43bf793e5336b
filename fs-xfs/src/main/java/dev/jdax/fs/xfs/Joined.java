package dev.jdax.fs.xfs;

import java.util.AbstractCollection;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/** Collections read one after the other as one (a live view; what each iterator says of changes). */
final class Joined<E> extends AbstractCollection<E> {
    private final List<? extends Collection<E>> parts;

    private Joined(List<? extends Collection<E>> parts) {
        this.parts = parts;
    }

    static <E> Collection<E> of(List<? extends Collection<E>> parts) {
        return parts.size() == 1 ? parts.getFirst() : new Joined<>(List.copyOf(parts));
    }

    @Override
    public Iterator<E> iterator() {
        return new Iterator<>() {
            private int next;
            private Iterator<E> cur = Collections.emptyIterator();

            @Override
            public boolean hasNext() {
                while (!cur.hasNext() && next < parts.size()) {
                    cur = parts.get(next++).iterator();
                }
                return cur.hasNext();
            }

            @Override
            public E next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return cur.next();
            }
        };
    }

    @Override
    public int size() {
        int n = 0;
        for (Collection<E> c : parts) {
            n += c.size();
        }
        return n;
    }

    @Override
    public boolean isEmpty() {
        for (Collection<E> c : parts) {
            if (!c.isEmpty()) {
                return false;
            }
        }
        return true;
    }
}
