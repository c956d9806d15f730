package dev.distill.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class StsDataTest {

    @Test
    void semEvalTestSetsHaveThePublishedSizes() {
        List<StsData.Subset> subsets = StsData.semEvalTest();
        assertEquals(9, subsets.size());
        int y2012 = subsets.stream().filter(s -> s.name().startsWith("2012")).mapToInt(s -> s.pairs().size()).sum();
        int y2013 = subsets.stream().filter(s -> s.name().startsWith("2013")).mapToInt(s -> s.pairs().size()).sum();
        assertEquals(3108, y2012);
        assertEquals(2250, y2013);
        StsData.Pair first = subsets.get(0).pairs().get(0);
        assertTrue(first.score() >= 0 && first.score() <= 5);
    }

    @Test
    void normalizeMatchesGlossesWithAndWithoutFullStop() {
        // STS OnWN: "soften or disintegrate by means of chemical action, heat, or moisture."
        // WordNet 3.1 gloss: "soften or disintegrate by means of chemical action, heat, or moisture"
        assertEquals(StsData.normalize("soften or disintegrate by means of chemical action, heat, or moisture"),
                StsData.normalize("Soften or  disintegrate by means of chemical action, heat, or moisture. "));
        assertEquals("a \"quoted\" word", StsData.normalize("\"A \"quoted\" word!\""));
    }

    @Test
    void dataErrorsNameFileAndLine() throws Exception {
        byte[] input = "a\tb\nno tab here\n".getBytes(StandardCharsets.UTF_8);
        byte[] gold = "1.0\n2.0\n".getBytes(StandardCharsets.UTF_8);
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> StsData.parse("x",
                new ByteArrayInputStream(input), "in.txt", new ByteArrayInputStream(gold), "gs.txt"));
        assertTrue(ex.getMessage().startsWith("in.txt:2: expected two tab-separated sentences"), ex.getMessage());
        byte[] badGold = "1.0\n7.5\n".getBytes(StandardCharsets.UTF_8);
        byte[] okInput = "a\tb\nc\td\n".getBytes(StandardCharsets.UTF_8);
        ex = assertThrows(IllegalArgumentException.class, () -> StsData.parse("x",
                new ByteArrayInputStream(okInput), "in.txt", new ByteArrayInputStream(badGold), "gs.txt"));
        assertTrue(ex.getMessage().contains("gs.txt:2: score 7.5 is outside the STS range [0, 5]"), ex.getMessage());
    }
}
