package dev.distill.models.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.distill.core.data.Collator;
import dev.distill.core.data.DataException;
import dev.distill.core.data.ErrorPolicy;
import dev.distill.core.data.LabelKind;
import dev.distill.core.data.MlmMasker;
import dev.distill.core.data.SquadReader;
import dev.distill.core.data.TextExample;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.data.TokenizedExample;
import dev.distill.models.KnownModel;
import dev.distill.models.tokenizer.TextTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Text → tokens → batches with the real bge tokenizer (BERT uncased WordPiece). */
class TextPipelineTest {

    static TextTokenizer tok;

    @TempDir
    Path tmp;

    @BeforeAll
    static void load() throws IOException {
        try (InputStream in = TextPipelineTest.class.getClassLoader()
                .getResourceAsStream(KnownModel.BGE_SMALL_EN_V15.tokenizerResource())) {
            tok = TextTokenizer.load(in, "bge tokenizer", 64);
        }
    }

    @AfterAll
    static void close() {
        tok.close();
    }

    @Test
    void singleTextHasSpecialsAndSharedWordIdsForPieces() {
        TokenizedExample e = TextPipeline.unlabelled(tok).tokenize(TextExample.of("Tokenization is unbelievably fun"));
        List<String> pieces = tok.tokenize("Tokenization is unbelievably fun");
        assertEquals(pieces.size() + 2, e.length());
        assertEquals(101, e.ids()[0]);
        assertEquals(102, e.ids()[e.length() - 1]);
        assertTrue(e.special()[0] && e.special()[e.length() - 1]);
        assertEquals(-1, e.wordIds()[0]);
        // every "##" piece continues the word of the token before it
        for (int i = 1; i < e.length() - 1; i++) {
            assertFalse(e.special()[i]);
            if (pieces.get(i - 1).startsWith("##")) {
                assertEquals(e.wordIds()[i - 1], e.wordIds()[i], pieces.get(i - 1));
            } else if (i > 1) {
                assertEquals(e.wordIds()[i - 1] + 1, e.wordIds()[i], pieces.get(i - 1));
            }
        }
        assertEquals(3, e.wordIds()[e.length() - 2]);
    }

    @Test
    void pairsAreClsASepBSepWithUniqueWordIdsAndScoreLabels() {
        TextPipeline p = new TextPipeline(tok, LabelKind.SCORE, null);
        TokenizedExample e = p.tokenize(new TextExample("a man plays", "a person is playing", "3.8", "x:1"));
        int n = e.length();
        long[] sepAt = java.util.stream.IntStream.range(0, n).filter(i -> e.ids()[i] == 102).asLongStream().toArray();
        assertArrayEquals(new long[] {4, n - 1}, sepAt);
        for (int i = 0; i < n; i++) {
            assertEquals(i <= 4 ? 0 : 1, e.typeIds()[i], "token type at " + i);
        }
        assertArrayEquals(new int[] {-1, 0, 1, 2, -1, 3, 4, 5, 6, -1}, e.wordIds());
        assertArrayEquals(new double[] {3.8}, e.label());

        TextPipeline classes = new TextPipeline(tok, LabelKind.CLASS, List.of("neg", "pos"));
        assertArrayEquals(new double[] {1}, classes.tokenize(new TextExample("good", null, "pos", "f:1")).label());
        DataException bad = assertThrows(DataException.class,
                () -> classes.tokenize(new TextExample("meh", null, "neutral", "f:7")));
        assertTrue(bad.getMessage().startsWith("f:7:label: label 'neutral' is not one of the classes [neg, pos]"),
                bad.getMessage());
    }

    @Test
    void wholeWordMaskedBatchFromRealText() {
        List<TokenizedExample> ex = new ArrayList<>();
        TextPipeline p = TextPipeline.unlabelled(tok);
        for (String s : List.of("photosynthesis converts sunlight into chemical energy",
                "the hockey season ended early", "antidisestablishmentarianism is long")) {
            ex.add(p.tokenize(TextExample.of(s)));
        }
        MlmMasker masker = MlmMasker.builder(tok.tokenId("[MASK]"), 30522).optWholeWord(true).optSeed(4).build();
        List<MlmMasker.Masked> masked = new ArrayList<>();
        for (int i = 0; i < ex.size(); i++) {
            masked.add(masker.mask(ex.get(i), i, 0));
        }
        try (NDManager m = NDManager.newBaseManager()) {
            TokenBatch b = new Collator(0).collateMasked(ex, masked, m);
            assertEquals(3, b.batchSize());
            long[] labels = b.labels().toLongArray();
            long labelled = java.util.Arrays.stream(labels).filter(l -> l != TokenBatch.IGNORE_INDEX).count();
            assertTrue(labelled >= 3, "at least one token per example: " + labelled);
        }
    }

    @Test
    void squadAnswersBecomeTokenSpansInOverlappingWindows() throws IOException {
        StringBuilder ctx = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            ctx.append("Sentence number ").append(i).append(" talks about nothing in particular. ");
        }
        String answer = "the Normans of Normandy";
        int start = ctx.length();
        ctx.append("In 911 ").append(answer).append(" pledged fealty. ");
        start += "In 911 ".length();
        for (int i = 0; i < 3; i++) {
            ctx.append("More filler text follows here. ");
        }
        String context = ctx.toString();
        Path f = tmp.resolve("squad.json");
        Files.writeString(f, "{\"data\": [{\"title\": \"T\", \"paragraphs\": [{\"context\": \"" + context + "\", \"qas\":"
                + " [{\"id\": \"q\", \"question\": \"Who pledged fealty in 911?\", \"answers\": [{\"text\": \"" + answer
                + "\", \"answer_start\": " + start + "}]}]}]}]}");
        SquadReader.Question q = SquadReader.open(f, ErrorPolicy.FAIL).toList().get(0);
        int contextTokens = tok.encodeUntruncated(context).getIds().length;
        List<SquadWindows.Window> w = SquadWindows.windows(tok, q, 48, 20, 64);
        int questionTokens = tok.encodeUntruncated(q.question()).getIds().length;
        int budget = 48 - questionTokens - 3;
        assertEquals((int) Math.ceil(Math.max(0, contextTokens - budget) / 20.0) + 1, w.size());
        int withAnswer = 0;
        for (int i = 0; i < w.size(); i++) {
            SquadWindows.Window win = w.get(i);
            TokenizedExample e = win.example();
            assertTrue(e.length() <= 48);
            assertEquals(101, e.ids()[0]);
            assertEquals(102, e.ids()[questionTokens + 1]);
            int firstContext = questionTokens + 2;
            // window i starts at context token 20·i: its first context token's offset says so
            assertEquals(tok.encodeUntruncated(context).getCharTokenSpans()[20 * i].getStart(),
                    win.charStart()[firstContext]);
            if (win.containsAnswer()) {
                withAnswer++;
                int s = (int) e.label()[0];
                int end = (int) e.label()[1];
                // the character offsets of the span give back the answer text exactly
                assertEquals(answer, context.substring(win.charStart()[s], win.charEnd()[end]));
                assertEquals("the normans of normandy", tok.decode(java.util.Arrays.copyOfRange(e.ids(), s, end + 1)));
            } else {
                assertArrayEquals(new double[] {0, 0}, e.label());
            }
        }
        assertTrue(withAnswer >= 1 && withAnswer < w.size(), "windows with the answer: " + withAnswer);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SquadWindows.windows(tok, q, 48, 200, 64));
        assertTrue(e.getMessage().contains("would leave gaps"), e.getMessage());
    }
}
