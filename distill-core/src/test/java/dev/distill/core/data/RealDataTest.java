package dev.distill.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Maven-fetched data sets, against counts that distill's readers did not compute: each
 * constant below was counted straight from the jar by {@code
 * distill-core/src/test/python/count_real_data.py} (standard-library Python: zipfile, one synset
 * per non-header line of WordNet's {@code data.*} files, one post per file of the newsgroups
 * folders). docs/data-sources.md lists the sources, the figures and how to recompute them.
 */
class RealDataTest {

    @Test
    void wordNetHas117791GlossesAndAbout48kUsages() {
        long glosses = 0;
        Map<String, Long> byPos = new HashMap<>();
        try (RecordStream<TextExample> s = WordNetText.open(WordNetText.Kind.GLOSSES, ErrorPolicy.FAIL)) {
            while (s.hasNext()) {
                TextExample e = s.next();
                glosses++;
                byPos.merge(e.label(), 1L, Long::sum);
                assertFalse(e.text().contains(" | "), e.origin());
            }
        }
        // count_real_data.py: 117,791 synsets, one gloss each
        assertEquals(117_791, glosses);
        assertEquals(Map.of("noun", 82_192L, "verb", 13_789L, "adj", 18_185L, "adv", 3_625L), byPos);
        long usages;
        try (RecordStream<TextExample> s = WordNetText.open(WordNetText.Kind.USAGES, ErrorPolicy.FAIL)) {
            usages = s.stream().filter(e -> !e.text().contains("\"")).count();
        }
        // count_real_data.py finds 48,571 quoted usage segments; this reader splits a gloss on ';' before a
        // quote, so a usage that itself holds a quote or a ';' is cut differently: the totals agree within 1%
        assertEquals(48_571, usages, 486, "usages");
    }

    @Test
    void glossAndUsagesOfBreathe() {
        List<String> out = new java.util.ArrayList<>();
        WordNetText.split("draw air into, and expel out of, the lungs; \"I can breathe better when the air is clean\";"
                + " \"The patient is respiring\"", WordNetText.Kind.BOTH, out);
        assertEquals(List.of("draw air into, and expel out of, the lungs", "I can breathe better when the air is clean",
                "The patient is respiring"), out);
    }

    @Test
    void threeNewsgroupsTrainHas1194PostsInThreeTopicsWithoutHeaders() {
        Pattern header = Pattern.compile("^(From|Subject|Newsgroups|Path|Message-ID|Organization|Lines): ",
                Pattern.MULTILINE);
        Map<String, Integer> counts = new HashMap<>();
        int withHeader = 0;
        RecordStream<TextExample> s = Newsgroups.train(ErrorPolicy.SKIP);
        for (TextExample e : s.toList()) {
            counts.merge(e.label(), 1, Integer::sum);
            if (header.matcher(e.text()).lookingAt()) {
                withHeader++;
            }
        }
        // count_real_data.py: one post per file under data/3news-bydate/train/<topic>/
        assertEquals(Map.of("rec.motorcycles", 398, "rec.sport.baseball", 397, "rec.sport.hockey", 399), counts);
        assertEquals(0, s.skipped());
        assertEquals(0, withHeader);
    }

    @Test
    void threeNewsgroupsTestHas1795PostsOfWhich3AreOnlyHeaders() {
        Map<String, Integer> counts = new HashMap<>();
        RecordStream<TextExample> s = Newsgroups.test(ErrorPolicy.SKIP);
        for (TextExample e : s.toList()) {
            counts.merge(e.label(), 1, Integer::sum);
        }
        // count_real_data.py: 598, 597 and 600 files under data/3news-bydate/test/<topic>/, one of each topic
        // with nothing after its headers (motorcycles/103233, baseball/104518, hockey/52654): the reader,
        // which strips headers, drops those three empty posts
        assertEquals(Map.of("rec.motorcycles", 597, "rec.sport.baseball", 596, "rec.sport.hockey", 599), counts);
        assertEquals(0, s.skipped());
    }
}
