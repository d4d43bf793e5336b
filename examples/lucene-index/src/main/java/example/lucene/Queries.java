package example.lucene;

import org.apache.lucene.document.IntPoint;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.FuzzyQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.PhraseQuery;
import org.apache.lucene.search.PrefixQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.SortField;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The fixed set of queries and how their answers are written down: the hit count and the ten best
 * hits by score then id (scores are exact floats; ties are ordered by id, not by doc id, since two
 * indexing threads order documents differently from run to run), and one query sorted by doc values.
 */
final class Queries {
    private Queries() {
    }

    static Map<String, Query> all() {
        Map<String, Query> q = new LinkedHashMap<>();
        String common = Corpus.word(0);
        String mid = Corpus.word(40);
        String rare = Corpus.word(1500);
        q.put("term common", new TermQuery(new Term("body", common)));
        q.put("term rare", new TermQuery(new Term("body", rare)));
        q.put("boolean", new BooleanQuery.Builder()
                .add(new TermQuery(new Term("body", Corpus.word(3))), Occur.MUST)
                .add(new TermQuery(new Term("body", mid)), Occur.SHOULD)
                .add(new TermQuery(new Term("body", Corpus.word(7))), Occur.MUST_NOT).build());
        q.put("phrase", new PhraseQuery("body", Corpus.word(1), Corpus.word(2)));
        q.put("prefix", new PrefixQuery(new Term("body", "kalo")));
        q.put("fuzzy", new FuzzyQuery(new Term("body", Corpus.word(120) + "x")));
        q.put("range and category", new BooleanQuery.Builder()
                .add(IntPoint.newRangeQuery("year", 2000, 2010), Occur.FILTER)
                .add(new TermQuery(new Term("category", "science")), Occur.FILTER)
                .add(new TermQuery(new Term("body", Corpus.word(5))), Occur.SHOULD).build());
        return q;
    }

    /** Every query's answer on {@code reader}, one line each. */
    static List<String> answers(DirectoryReader reader) throws IOException {
        IndexSearcher searcher = new IndexSearcher(reader);
        StoredFields stored = searcher.storedFields();
        List<String> lines = new ArrayList<>();
        for (Map.Entry<String, Query> e : all().entrySet()) {
            TopDocs all = searcher.search(e.getValue(), Math.max(1, reader.maxDoc()));
            List<String> best = new ArrayList<>();
            List<ScoreDoc> hits = new ArrayList<>(List.of(all.scoreDocs));
            List<String[]> scored = new ArrayList<>();
            for (ScoreDoc h : hits) {
                scored.add(new String[] {stored.document(h.doc).get("id"), Float.toString(h.score)});
            }
            scored.sort(Comparator.<String[], Float>comparing(s -> -Float.parseFloat(s[1])).thenComparing(s -> s[0]));
            for (String[] s : scored.subList(0, Math.min(10, scored.size()))) {
                best.add(s[0] + ":" + s[1]);
            }
            lines.add(e.getKey() + ": " + all.totalHits + " " + best);
        }
        // Sorted search counts hits only up to a threshold, which depends on the documents' order:
        // the exact count comes from count().
        Query term = new TermQuery(new Term("body", Corpus.word(2)));
        TopDocs sorted = searcher.search(term, 10,
                new Sort(new SortField("year", SortField.Type.INT, true), new SortField("id", SortField.Type.STRING)));
        List<String> ids = new ArrayList<>();
        for (ScoreDoc h : sorted.scoreDocs) {
            ids.add(stored.document(h.doc).get("id"));
        }
        lines.add("sorted by year, id: " + searcher.count(term) + " hits " + ids);
        lines.add("docs: " + reader.numDocs() + " of " + reader.maxDoc());
        return lines;
    }
}
