package dev.distill.models.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import ai.djl.ndarray.NDManager;
import dev.distill.core.data.TokenBatch;
import dev.distill.models.KnownModel;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** bge-small-en-v1.5's real tokenizer.json (bert-base-uncased WordPiece). */
class TextTokenizerTest {

    private static TextTokenizer tokenizer;

    @BeforeAll
    static void load() throws Exception {
        KnownModel m = KnownModel.BGE_SMALL_EN_V15;
        try (InputStream in = TextTokenizerTest.class.getClassLoader().getResourceAsStream(m.tokenizerResource())) {
            tokenizer = TextTokenizer.load(in, m.tokenizerResource(), 16);
        }
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    @Test
    void singleTextGetsClsAndSep() {
        Encoding e = tokenizer.encode("Hello world");
        // bert-base-uncased ids: [CLS]=101, hello=7592, world=2088, [SEP]=102
        assertArrayEquals(new long[] {101, 7592, 2088, 102}, e.getIds());
        assertArrayEquals(new long[] {0, 0, 0, 0}, e.getTypeIds());
    }

    @Test
    void pairsGetSegmentIds() {
        Encoding e = tokenizer.encodePair("Hello", "world");
        assertArrayEquals(new long[] {101, 7592, 102, 2088, 102}, e.getIds());
        assertArrayEquals(new long[] {0, 0, 0, 1, 1}, e.getTypeIds());
    }

    @Test
    void offsetsPointIntoTheText() {
        String text = "Tokenization works";
        Encoding e = tokenizer.encode(text);
        CharSpan[] spans = e.getCharTokenSpans();
        String[] tokens = e.getTokens();
        // token 1 is "token", a prefix of the first word; its span covers characters 0..5
        assertEquals("token", tokens[1]);
        assertEquals(0, spans[1].getStart());
        assertEquals(5, spans[1].getEnd());
        assertEquals("works", text.substring(spans[spans.length - 2].getStart(), spans[spans.length - 2].getEnd()));
    }

    @Test
    void truncatesToMaxLengthAndPadsBatches() {
        String longText = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen";
        try (NDManager manager = NDManager.newBaseManager()) {
            TokenBatch b = tokenizer.batch(List.of(longText, "short"), manager);
            assertEquals(16, b.sequenceLength(), "truncated to maxLength, special tokens included");
            long[] mask = b.attentionMask().toLongArray();
            long[] ids = b.inputIds().toLongArray();
            assertEquals(102, ids[15], "the truncated sequence still ends with [SEP]");
            // "short" is [CLS] short [SEP] then 13 pads (id 0, mask 0)
            assertEquals(3, java.util.Arrays.stream(mask, 16, 32).sum());
            assertEquals(0, ids[16 + 3]);
            assertEquals(16 + 3, b.realTokens());
        }
    }

    @Test
    void missingTokenizerFileIsAClearError() {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> TextTokenizer.load(Path.of("/nonexistent-dir"), 16));
        assertTrue(ex.getMessage().contains("tokenizer.json"), ex.getMessage());
    }
}
