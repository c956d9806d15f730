package dev.distill.examples.qa;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The SQuAD v1.1 metrics against values worked out by hand from the official script's rules
 * (lower-case, drop ASCII punctuation, drop a/an/the, split on whitespace; F1 over the multiset
 * of common tokens).
 */
class SquadMetricTest {

    @Test
    void normalisesLikeTheOfficialScript() {
        assertEquals("eiffeltower", SquadMetric.normalise("The  Eiffel-Tower!"));
        assertEquals("cat sat on mat", SquadMetric.normalise("A cat sat on the mat."));
        assertEquals("theory", SquadMetric.normalise("theory")); // "the" inside a word stays
        assertEquals("", SquadMetric.normalise(" An  "));
    }

    @Test
    void exactMatchIgnoresCaseArticlesAndPunctuation() {
        assertEquals(1.0, SquadMetric.exactMatch("the Eiffel Tower", "Eiffel Tower."));
        assertEquals(0.0, SquadMetric.exactMatch("Eiffel Tower in Paris", "Eiffel Tower"));
        assertEquals(1.0, SquadMetric.exactMatch("Paris", List.of("London", "paris")));
    }

    @Test
    void f1CountsCommonTokensAsAMultiset() {
        // pred [in, eiffel, tower], gold [eiffel, tower]: P = 2/3, R = 1, F1 = 2·(2/3)/(5/3) = 0.8
        assertEquals(0.8, SquadMetric.f1("in the Eiffel Tower", "Eiffel Tower"), 1e-12);
        // pred [x, x, y], gold [x, y, y]: common = min(2,1) + min(1,2) = 2, P = R = 2/3
        assertEquals(2.0 / 3, SquadMetric.f1("x x y", "x y y"), 1e-12);
        assertEquals(0.0, SquadMetric.f1("red", "blue"));
        assertEquals(0.0, SquadMetric.f1("", "blue"));
        // best over the gold answers: 0 for "blue", 2·(1/2·1)/(3/2) = 2/3 for "red"
        assertEquals(2.0 / 3, SquadMetric.f1("red car", List.of("blue", "red")), 1e-12);
    }
}
