package dev.distill.models.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.distill.core.cache.CacheExample;
import dev.distill.core.cache.CacheFingerprint;
import dev.distill.core.cache.TopKCache;
import dev.distill.core.cache.TopKCacheBuilder;
import dev.distill.core.data.ErrorPolicy;
import dev.distill.core.data.MlmMasker;
import dev.distill.core.data.RecordStream;
import dev.distill.core.data.TextExample;
import dev.distill.core.data.TokenBatch;
import dev.distill.core.data.TokenizedExample;
import dev.distill.core.data.WordNetText;
import dev.distill.models.LoadedModel;
import dev.distill.models.ModelLoader;
import dev.distill.models.cache.MlmTeacher;
import dev.distill.models.data.TextPipeline;
import dev.distill.models.heads.MaskedLmHead;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real teacher (bge-small-en-v1.5 from its Maven jar, with an identity-initialised MLM head)
 * driving the cache builder and the augmenter, each checked against a computation done another
 * way: one sentence at a time, full-sequence head, brute-force cosine in Java.
 */
class TeacherDataTest {

    static LoadedModel bge;
    static MaskedLmHead head;
    static MlmTeacher teacher;

    @TempDir
    Path tmp;

    @BeforeAll
    static void load() {
        bge = ModelLoader.load("bge-small-en-v1.5", Device.cpu(), 64);
        head = MlmTeacher.identityHead(bge.encoder(), bge.manager());
        teacher = new MlmTeacher(bge.encoder(), head, false);
    }

    @AfterAll
    static void close() {
        bge.close();
    }

    /** Full (T, V) logits of one unpadded sequence through the encoder and the head's own forward. */
    static float[] fullLogits(long[] ids, long[] types, NDManager m) {
        int t = ids.length;
        TokenBatch b = new TokenBatch(m.create(ids, new Shape(1, t)), m.create(new long[t], new Shape(1, t)).add(1),
                m.create(types, new Shape(1, t)), null, t);
        NDArray hidden = bge.encoder().forward(b, false).lastHiddenState().get(new NDIndex("0"));
        return head.logits(hidden, bge.encoder().wordEmbeddings().getArray()).softmax(-1).toFloatArray();
    }

    static List<TokenizedExample> glosses(int n) {
        TextPipeline p = TextPipeline.unlabelled(bge.tokenizer());
        List<TokenizedExample> out = new ArrayList<>();
        try (RecordStream<TextExample> s = WordNetText.open(WordNetText.Kind.GLOSSES, ErrorPolicy.FAIL)) {
            for (int i = 0; i < n && s.hasNext(); i++) {
                out.add(p.tokenize(s.next()));
            }
        }
        return out;
    }

    @Test
    void cacheFromTheTeacherHoldsTheTopKOfEachSentenceRunAlone() throws Exception {
        List<TokenizedExample> ex = glosses(10);
        MlmMasker masker = MlmMasker.builder(bge.tokenizer().tokenId("[MASK]"), 30522).optSeed(3).build();
        List<CacheExample> examples = new ArrayList<>();
        for (int i = 0; i < ex.size(); i++) {
            MlmMasker.Masked mk = masker.mask(ex.get(i), i, 0);
            examples.add(new CacheExample(mk.inputIds(), ex.get(i).typeIds(), mk.predictedPositions()));
        }
        int k = 16;
        CacheFingerprint fp = CacheFingerprint.of(teacher.weightsHash(), MlmTeacher.tokenizerHash(bge.tokenizer()),
                examples, 64, k, masker.seed());
        TopKCacheBuilder.builder(tmp, teacher, bge.manager(), 30522).optBatchSize(4).optExamplesPerShard(6).build()
                .build(examples, fp);
        TopKCache cache = TopKCache.open(tmp, fp);
        try (NDManager m = bge.manager().newSubManager()) {
            for (int i = 0; i < examples.size(); i++) {
                CacheExample e = examples.get(i);
                float[] probs = fullLogits(e.inputIds(), e.typeIds(), m); // (T, V) softmax, unbatched, unpadded
                TopKCache.Entry got = cache.example(i);
                assertArrayEquals(e.positions(), got.positions());
                for (int j = 0; j < e.positions().length; j++) {
                    int row = e.positions()[j] * 30522;
                    Integer[] order = IntStream.range(0, 30522).boxed().toArray(Integer[]::new);
                    Arrays.sort(order, Comparator.comparingDouble(v -> -probs[row + v]));
                    for (int r = 0; r < k; r++) {
                        float want = probs[row + order[r]];
                        // padding in the batched run moves float32 results by ~1e-6 (relative)
                        assertEquals(want, got.probs()[j * k + r], want * 2e-3 + 1e-6, "example " + i + " rank " + r);
                        if (r < 3) {
                            assertEquals((int) order[r], got.ids()[j * k + r], "example " + i + " rank " + r);
                        }
                    }
                }
            }
        }
        assertNotEquals(fp.teacherHash(), new MlmTeacher(bge.encoder(), MlmTeacher.identityHead(bge.encoder(),
                bge.manager()), false).weightsHash().replace('0', 'x'));
    }

    @Test
    void augmentationCandidatesMatchUnbatchedReferencesAndCopiesAreSeeded() {
        List<String> texts = List.of("The quick brown fox jumps over the lazy dog.",
                "Photosynthesis converts sunlight into chemical energy.", "Hockey players skate fast.");
        TinyBertAugmenter aug = TinyBertAugmenter.builder(teacher, bge.tokenizer(), bge.manager()).optCandidates(5)
                .optCopies(4).optBatchSize(7).optSeed(1).build();
        List<List<TinyBertAugmenter.Word>> cands = aug.candidates(texts);
        String[] vocab = bge.tokenizer().vocabulary();
        float[] emb = bge.encoder().wordEmbeddings().getArray().toFloatArray();
        int h = 384;
        int checkedSingle = 0;
        int checkedMulti = 0;
        try (NDManager m = bge.manager().newSubManager()) {
            for (int t = 0; t < texts.size(); t++) {
                String text = texts.get(t);
                for (TinyBertAugmenter.Word w : cands.get(t)) {
                    assertEquals(text.substring(w.start(), w.end()), w.text());
                    if (w.text().chars().noneMatch(Character::isLetter)) {
                        assertEquals(0, w.candidateIds().length, w.text());
                        continue;
                    }
                    assertEquals(5, w.candidateIds().length, w.text());
                    long[] want;
                    if (w.pieces() == 1 && checkedSingle < 4) {
                        // Reference: this word alone masked in this sentence alone, the full head.
                        ai.djl.huggingface.tokenizers.Encoding enc = bge.tokenizer().encode(text);
                        long[] ids = enc.getIds().clone();
                        int pos = -1;
                        for (int i = 0; i < ids.length; i++) {
                            var span = enc.getCharTokenSpans()[i];
                            if (enc.getSpecialTokenMask()[i] == 0 && span != null && span.getStart() == w.start()) {
                                pos = i;
                            }
                        }
                        long original = ids[pos];
                        ids[pos] = bge.tokenizer().tokenId("[MASK]");
                        float[] p = fullLogits(ids, enc.getTypeIds(), m);
                        int row = pos * 30522;
                        want = IntStream.range(0, 30522).filter(v -> v != original && isWord(vocab[v])).boxed()
                                .sorted(Comparator.comparingDouble(v -> -p[row + v])).limit(5)
                                .mapToLong(Integer::longValue).toArray();
                        checkedSingle++;
                    } else if (w.pieces() > 1) {
                        // Reference: brute-force cosine to the mean piece embedding, in double precision.
                        List<String> pieces = bge.tokenizer().tokenize(w.text());
                        double[] mean = new double[h];
                        for (String piece : pieces) {
                            int id = Arrays.asList(vocab).indexOf(piece);
                            for (int d = 0; d < h; d++) {
                                mean[d] += emb[id * h + d] / pieces.size();
                            }
                        }
                        double[] cos = new double[30522];
                        for (int v = 0; v < 30522; v++) {
                            double dot = 0;
                            double nv = 0;
                            double nm = 0;
                            for (int d = 0; d < h; d++) {
                                dot += mean[d] * emb[v * h + d];
                                nv += emb[v * h + d] * (double) emb[v * h + d];
                                nm += mean[d] * mean[d];
                            }
                            cos[v] = dot / Math.sqrt(nv * nm);
                        }
                        want = IntStream.range(0, 30522).filter(v -> isWord(vocab[v])).boxed()
                                .sorted(Comparator.comparingDouble(v -> -cos[v])).limit(5)
                                .mapToLong(Integer::longValue).toArray();
                        checkedMulti++;
                    } else {
                        continue;
                    }
                    assertArrayEquals(want, w.candidateIds(), "candidates of '" + w.text() + "'");
                }
            }
        }
        assertTrue(checkedSingle >= 4 && checkedMulti >= 1, checkedSingle + " single, " + checkedMulti + " multi");

        List<List<String>> copies = aug.augment(texts, 0);
        assertEquals(3, copies.size());
        copies.forEach(c -> assertEquals(4, c.size()));
        assertEquals(copies, TinyBertAugmenter.builder(teacher, bge.tokenizer(), bge.manager()).optCandidates(5)
                .optCopies(4).optBatchSize(2).optSeed(1).build().augment(texts, 0), "same seed, other batching");
        assertNotEquals(copies, TinyBertAugmenter.builder(teacher, bge.tokenizer(), bge.manager()).optCandidates(5)
                .optCopies(4).optSeed(2).build().augment(texts, 0));
        // Every copy is the original with some words swapped for their candidates.
        for (int t = 0; t < texts.size(); t++) {
            for (String copy : copies.get(t)) {
                assertTrue(copy.matches(pattern(texts.get(t), cands.get(t))), copy);
            }
        }
    }

    private static boolean isWord(String token) {
        return token != null && !token.isEmpty() && token.chars().allMatch(Character::isLetter);
    }

    /** A regex accepting the text with each word kept or replaced by one of its candidates. */
    private static String pattern(String text, List<TinyBertAugmenter.Word> words) {
        StringBuilder sb = new StringBuilder();
        int at = 0;
        for (TinyBertAugmenter.Word w : words) {
            sb.append(java.util.regex.Pattern.quote(text.substring(at, w.start())));
            List<String> alts = new ArrayList<>(w.candidates());
            alts.add(w.text());
            sb.append("(").append(String.join("|", alts.stream().map(java.util.regex.Pattern::quote).toList())).append(")");
            at = w.end();
        }
        return sb.append(java.util.regex.Pattern.quote(text.substring(at))).toString();
    }
}
