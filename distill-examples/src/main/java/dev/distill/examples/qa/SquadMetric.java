package dev.distill.examples.qa;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The SQuAD v1.1 answer metrics as the official evaluation script defines them, on answer text:
 *
 * <pre>
 * normalise(s) = collapse whitespace(remove articles a|an|the(remove punctuation(lower(s))))
 * EM(p, g)     = 1 if normalise(p) = normalise(g) else 0
 * F1(p, g)     = 2·P·R / (P + R),  P = |common| / |tokens(p)|,  R = |common| / |tokens(g)|
 *                where tokens are normalise(·) split on whitespace and |common| counts the
 *                multiset intersection; 0 when nothing is common
 * </pre>
 *
 * A question's score is the maximum over its gold answers. Punctuation is ASCII punctuation
 * (Python's {@code string.punctuation}), as in the script.
 */
final class SquadMetric {

    private static final Pattern ARTICLES = Pattern.compile("\\b(a|an|the)\\b");
    private static final String PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

    private SquadMetric() {}

    static String normalise(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toLowerCase(Locale.ROOT).toCharArray()) {
            if (PUNCTUATION.indexOf(c) < 0) {
                b.append(c);
            }
        }
        String noArticles = ARTICLES.matcher(b).replaceAll(" ");
        return String.join(" ", tokens(noArticles));
    }

    private static List<String> tokens(String s) {
        String t = s.strip();
        return t.isEmpty() ? List.of() : Arrays.asList(t.split("\\s+"));
    }

    static double exactMatch(String prediction, String gold) {
        return normalise(prediction).equals(normalise(gold)) ? 1 : 0;
    }

    static double f1(String prediction, String gold) {
        List<String> p = tokens(normalise(prediction));
        List<String> g = tokens(normalise(gold));
        Map<String, Integer> counts = new HashMap<>();
        for (String t : g) {
            counts.merge(t, 1, Integer::sum);
        }
        int common = 0;
        for (String t : p) {
            Integer c = counts.get(t);
            if (c != null && c > 0) {
                common++;
                counts.put(t, c - 1);
            }
        }
        if (common == 0) {
            return 0;
        }
        double precision = (double) common / p.size();
        double recall = (double) common / g.size();
        return 2 * precision * recall / (precision + recall);
    }

    /** The best EM over the gold answers. */
    static double exactMatch(String prediction, List<String> golds) {
        double best = 0;
        for (String g : golds) {
            best = Math.max(best, exactMatch(prediction, g));
        }
        return best;
    }

    /** The best F1 over the gold answers. */
    static double f1(String prediction, List<String> golds) {
        double best = 0;
        for (String g : golds) {
            best = Math.max(best, f1(prediction, g));
        }
        return best;
    }
}
