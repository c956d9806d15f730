package dev.distill.models.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.distill.core.data.DataException;
import dev.distill.core.data.ExampleBatchSource;
import dev.distill.core.data.LabelKind;
import dev.distill.core.data.TextExample;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.data.TokenizedExample;
import dev.distill.models.KnownModel;
import dev.distill.models.tokenizer.TextTokenizer;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TextBatches}, the one-line way in, against the construction it replaces (tokenise each
 * text, then an {@link ExampleBatchSource} padded with [PAD] = 0), with the real bge tokenizer.
 */
class TextBatchesTest {

    static TextTokenizer tok;

    @TempDir
    Path tmp;

    private static final List<String> TEXTS = List.of("A cat sits on the mat.", "Bees make honey from nectar.",
            "The committee approved the new budget after a long debate.", "Rain.", "She planted tomatoes.");

    @BeforeAll
    static void load() throws Exception {
        try (InputStream in = TextBatchesTest.class.getClassLoader()
                .getResourceAsStream(KnownModel.BGE_SMALL_EN_V15.tokenizerResource())) {
            tok = TextTokenizer.load(in, "bge tokenizer", 8);
        }
    }

    @AfterAll
    static void close() {
        tok.close();
    }

    @Test
    void ofEqualsTheLongHandConstructionBatchForBatch() {
        List<TokenizedExample> examples = new ArrayList<>();
        for (String t : TEXTS) {
            examples.add(TextPipeline.unlabelled(tok).tokenize(TextExample.of(t)));
        }
        ExampleBatchSource longHand = new ExampleBatchSource(examples, 2, LabelKind.NONE, null, 0, 42);
        ExampleBatchSource oneLine = TextBatches.of(TEXTS, tok, 2, 42);
        assertEquals(0, tok.padId()); // bert-base-uncased [PAD]
        assertEquals(longHand.fingerprint(), oneLine.fingerprint());
        try (NDManager m = NDManager.newBaseManager()) {
            for (int i = 0; i < 5; i++) { // across an epoch boundary
                TokenBatch a = longHand.next(m);
                TokenBatch b = oneLine.next(m);
                assertArrayEquals(a.inputIds().toLongArray(), b.inputIds().toLongArray());
                assertArrayEquals(a.attentionMask().toLongArray(), b.attentionMask().toLongArray());
            }
        }
        // truncated to the tokenizer's 8 tokens, [CLS] and [SEP] included
        try (NDManager m = NDManager.newBaseManager()) {
            assertEquals(8, TextBatches.of(List.of(TEXTS.get(2)), tok, 1, 1).next(m).inputIds().getShape().get(1));
        }
    }

    @Test
    void fromFileReadsOneTextPerLineAndPassesOverBlankLines() throws Exception {
        Path file = tmp.resolve("corpus.txt");
        Files.writeString(file, String.join("\n", TEXTS.get(0), "", "   ", TEXTS.get(1), TEXTS.get(2), TEXTS.get(3),
                TEXTS.get(4)) + "\n", StandardCharsets.UTF_8);
        assertEquals(TextBatches.of(TEXTS, tok, 2, 42).fingerprint(), TextBatches.fromFile(file, tok, 2, 42).fingerprint());
    }

    @Test
    void badInputGetsOneClearLine() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TextBatches.of(List.of(), tok, 2, 1));
        assertTrue(e.getMessage().contains("the list is empty"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TextBatches.of(List.of("fine", " "), tok, 2, 1));
        assertTrue(e.getMessage().contains("text 1 of 2 is blank"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TextBatches.of(TEXTS, tok, 0, 1));
        assertTrue(e.getMessage().contains("batch size 0 must be at least 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TextBatches.fromFile(tmp.resolve("none.txt"), tok, 2, 1));
        assertTrue(e.getMessage().contains("none.txt does not exist"), e.getMessage());
        Path blank = tmp.resolve("blank.txt");
        Files.writeString(blank, "\n  \n");
        e = assertThrows(IllegalArgumentException.class, () -> TextBatches.fromFile(blank, tok, 2, 1));
        assertTrue(e.getMessage().contains("holds no text"), e.getMessage());
        Path latin1 = tmp.resolve("latin1.txt");
        Files.write(latin1, new byte[] {'o', 'k', '\n', 'c', 'a', 'f', (byte) 0xE9, '\n'});
        DataException d = assertThrows(DataException.class, () -> TextBatches.fromFile(latin1, tok, 2, 1));
        assertTrue(d.getMessage().contains("latin1.txt") && d.getMessage().contains("2"), d.getMessage());
    }
}
