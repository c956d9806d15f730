package dev.distill.examples.common;

import dev.distill.core.data.ErrorPolicy;
import dev.distill.core.data.Newsgroups;
import dev.distill.core.data.RecordStream;
import dev.distill.core.data.StsData;
import dev.distill.core.data.TextExample;
import dev.distill.core.data.WordNetText;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Real unlabelled English for general distillation: WordNet 3.1 glosses and usage sentences and
 * the 3-newsgroups training posts (headers stripped, one paragraph per text). Every text whose
 * normalised form (lower case, whitespace collapsed) equals an STS test sentence is dropped, so
 * the STS evaluation stays honest (STS's OnWN subsets are built from WordNet glosses).
 */
public final class UnlabelledCorpus {

    /** The texts and how many were dropped as STS test sentences. */
    public record Texts(List<String> texts, int droppedAsStsTest, int wordNet, int newsgroups) {}

    private UnlabelledCorpus() {}

    /** The last corpus built, kept (softly) because reading it costs seconds and commands reload it. */
    private static java.lang.ref.SoftReference<Object[]> last = new java.lang.ref.SoftReference<>(null);

    /**
     * Builds the corpus, shuffled with {@code seed}, at most {@code limit} texts (0 for all). The
     * texts are an unmodifiable list; the latest result is remembered while memory allows, so a
     * second call with the same arguments in one JVM returns it without reading the jars again.
     */
    public static synchronized Texts load(int limit, long seed) {
        Object[] hit = last.get();
        if (hit != null && (int) hit[0] == limit && (long) hit[1] == seed) {
            return (Texts) hit[2];
        }
        Texts t = read(limit, seed);
        last = new java.lang.ref.SoftReference<>(new Object[] {limit, seed, t});
        return t;
    }

    private static Texts read(int limit, long seed) {
        Set<String> stsTest = new HashSet<>();
        for (StsData.Subset s : StsData.semEvalTest()) {
            for (StsData.Pair p : s.pairs()) {
                stsTest.add(StsData.normalize(p.first()));
                stsTest.add(StsData.normalize(p.second()));
            }
        }
        Set<String> texts = new LinkedHashSet<>();
        int dropped = 0;
        int wordNet = 0;
        try (RecordStream<TextExample> wn = WordNetText.open(WordNetText.Kind.BOTH, ErrorPolicy.FAIL)) {
            while (wn.hasNext()) {
                String t = wn.next().text().trim();
                if (stsTest.contains(StsData.normalize(t))) {
                    dropped++;
                } else if (t.length() > 10 && texts.add(t)) {
                    wordNet++;
                }
            }
        }
        int news = 0;
        try (RecordStream<TextExample> ng = Newsgroups.train(ErrorPolicy.FAIL)) {
            while (ng.hasNext()) {
                for (String para : ng.next().text().split("\\n\\s*\\n")) {
                    String t = para.replaceAll("\\s+", " ").trim();
                    if (t.length() < 20 || t.startsWith(">") || t.contains("@")) {
                        continue; // quoted replies and signatures carry little text
                    }
                    if (stsTest.contains(StsData.normalize(t))) {
                        dropped++;
                    } else if (texts.add(t)) {
                        news++;
                    }
                }
            }
        }
        List<String> list = new ArrayList<>(texts);
        Collections.shuffle(list, new Random(seed));
        if (limit > 0 && list.size() > limit) {
            list = new ArrayList<>(list.subList(0, limit));
        }
        return new Texts(List.copyOf(list), dropped, wordNet, news);
    }
}
