package dev.distill.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.core.data.StsData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CalibrationTextsTest {

    @Test
    void glossSplitsIntoDefinitionAndUsageSentences() {
        List<String> out = new ArrayList<>();
        // a gloss from WordNet 3.1 data.verb ("glare"), as it follows the | separator, trailing spaces included
        CalibrationTexts.splitGloss(" look at with a fixed gaze; \"The girl glared at the man who tried to make a pass"
                + " at her\"  ", out);
        assertEquals(List.of("The girl glared at the man who tried to make a pass at her", "look at with a fixed gaze"),
                out);
        out.clear();
        CalibrationTexts.splitGloss("a unit; a measure; \"two of them\"; \"three\"", out);
        assertEquals(List.of("two of them", "three", "a unit; a measure"), out);
    }

    @Test
    void defaultCorpusIsWordNetWithoutStsTestSentences() {
        CalibrationTexts.Loaded loaded = CalibrationTexts.load("default", 500, 1);
        assertEquals(500, loaded.texts().size());
        // the OnWN subsets pair OntoNotes and WordNet 3.0 sense definitions; a few equal WordNet 3.1 glosses
        assertTrue(loaded.droppedAsStsTest() > 0, "dropped " + loaded.droppedAsStsTest());
        Set<String> sts = CalibrationTexts.stsTestSentences();
        assertTrue(loaded.texts().stream().noneMatch(t -> sts.contains(StsData.normalize(t))));
        assertTrue(loaded.texts().stream().noneMatch(t -> t.contains(" | ") || t.startsWith("  ")));
        assertEquals(loaded.texts(), CalibrationTexts.load("default", 500, 1).texts(), "same seed, same sample");
    }

    @Test
    void fileCorpusDropsBlankLinesAndStsSentencesAndMissingFilesAreNamed(@TempDir Path dir) throws IOException {
        String stsSentence = StsData.semEvalTest().get(0).pairs().get(0).first();
        Path file = dir.resolve("calib.txt");
        Files.writeString(file, "first line\n\n  " + stsSentence.toUpperCase() + "  \nsecond line\n");
        CalibrationTexts.Loaded loaded = CalibrationTexts.load(file.toString(), 10, 3);
        assertEquals(1, loaded.droppedAsStsTest());
        assertEquals(Set.of("first line", "second line"), Set.copyOf(loaded.texts()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CalibrationTexts.load(dir.resolve("missing.txt").toString(), 10, 3));
        assertTrue(e.getMessage().contains("missing.txt"));
        assertFalse(e.getMessage().isBlank());
    }
}
