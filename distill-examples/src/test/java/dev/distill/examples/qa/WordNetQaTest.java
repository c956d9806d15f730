package dev.distill.examples.qa;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.core.data.DataException;
import dev.distill.core.data.SquadReader;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The WordNet QA set: line parsing and question building on hand-made lines, then the real data. */
class WordNetQaTest {

    private static final String SLEEP = "02110220 03 n 02 sleep 0 slumber 0 002 @ 02109190 n 0000 + 00015568 v 0101"
            + " | a natural and periodic state of rest during which consciousness of the world is suspended;"
            + " \"he didn't get enough sleep last night\"; \"calm as a child in dreamless slumber\"; \"she ran\"  ";

    @Test
    void parsesASynsetLine() {
        WordNetQa.Synset s = WordNetQa.parse(SLEEP, "test", 1);
        assertEquals(2110220L, s.offset());
        assertEquals(List.of("sleep", "slumber"), s.words());
        assertEquals("a natural and periodic state of rest during which consciousness of the world is suspended",
                s.definition());
        assertEquals(List.of("he didn't get enough sleep last night", "calm as a child in dreamless slumber",
                "she ran"), s.usages());
    }

    @Test
    void dropsAdjectiveMarkersAndReadsUnderscoresAsSpaces() {
        WordNetQa.Synset s = WordNetQa.parse("01234567 00 s 0a long(a) 0 ice_hockey 1 00 20 x 0 y 0 z 0 u 0 v 0 w 0"
                + " q 0 r 0 000 | of great length", "test", 1);
        assertEquals("long", s.words().get(0));
        assertEquals("ice hockey", s.words().get(1));
        assertEquals(10, s.words().size()); // w_cnt is hexadecimal: 0a = 10
    }

    @Test
    void questionAnswersWithTheWordsVerbatimOccurrence() {
        WordNetQa.Synset s = WordNetQa.parse(SLEEP, "test", 1);
        SquadReader.Question q = WordNetQa.question(s, "noun", 0, "test:1");
        assertEquals("Which word means: a natural and periodic state of rest during which consciousness of the world"
                + " is suspended?", q.question());
        assertEquals("sleep", q.answers().get(0).text());
        assertEquals(21, q.answers().get(0).start()); // "he didn't get enough " is 21 characters
        SquadReader.Question q2 = WordNetQa.question(s, "noun", 1, "test:1");
        assertEquals("slumber", q2.answers().get(0).text());
        assertEquals(29, q2.answers().get(0).start());
        assertNull(WordNetQa.question(s, "noun", 2, "test:1"), "no word of the synset in 'she ran'");
    }

    @Test
    void findsWholeWordsOnly() {
        assertEquals(7, WordNetQa.find("sleepy sleep", "sleep"));
        assertEquals(-1, WordNetQa.find("asleep, sleeping", "sleep"));
        assertEquals(0, WordNetQa.find("Sleep. sleep", "Sleep"));
        assertEquals(-1, WordNetQa.find("Sleep well", "sleep")); // case-sensitive
    }

    @Test
    void refusesALineWithoutAGloss() {
        DataException e = assertThrows(DataException.class, () -> WordNetQa.parse("0001 03 n 01 x 0 000", "data.noun", 7));
        assertTrue(e.getMessage().contains("data.noun"), e.getMessage());
    }

    @Test
    void buildsDisjointSplitsWhoseAnswersSitAtTheirOffsets() {
        WordNetQa.Split split = WordNetQa.build(0.1, 42);
        assertTrue(split.train().size() > 10_000, WordNetQa.describe(split));
        Set<String> trainSynsets = new HashSet<>();
        for (SquadReader.Question q : split.train()) {
            SquadReader.Answer a = q.answers().get(0);
            assertEquals(a.text(), q.context().substring(a.start(), a.end()), q.id());
            trainSynsets.add(q.title());
        }
        for (SquadReader.Question q : split.dev()) {
            assertTrue(!trainSynsets.contains(q.title()), "synset " + q.title() + " is on both sides");
        }
        double devShare = (double) split.dev().size() / (split.dev().size() + split.train().size());
        assertTrue(devShare > 0.07 && devShare < 0.13, "dev share " + devShare);
    }
}
