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
 * The Maven-fetched data sets, against the counts published for them (docs/data-sources.md and
 * the original distributions), not against anything this code computed.
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
        assertEquals(117_791, glosses);
        assertEquals(4, byPos.size());
        long usages;
        try (RecordStream<TextExample> s = WordNetText.open(WordNetText.Kind.USAGES, ErrorPolicy.FAIL)) {
            usages = s.stream().filter(e -> !e.text().contains("\"")).count();
        }
        assertTrue(usages > 47_000 && usages < 50_000, "usages: " + usages);
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
        assertEquals(Map.of("rec.motorcycles", 398, "rec.sport.baseball", 397, "rec.sport.hockey", 399), counts);
        assertEquals(0, s.skipped());
        assertEquals(0, withHeader);
    }
}
