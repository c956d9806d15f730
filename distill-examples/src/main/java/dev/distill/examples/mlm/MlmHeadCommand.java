package dev.distill.examples.mlm;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.distill.core.data.MlmMasker;
import dev.distill.examples.cli.DeviceOption;
import dev.distill.examples.common.FittedMlmHead;
import dev.distill.examples.common.UnlabelledCorpus;
import dev.distill.models.LoadedModel;
import dev.distill.models.ModelLoader;
import dev.distill.models.augment.TinyBertAugmenter;
import dev.distill.models.cache.MlmTeacher;
import dev.distill.models.data.MaskedSet;
import dev.distill.models.data.TextPipeline;
import dev.distill.models.heads.MaskedLmHead;
import dev.distill.models.heads.MlmHeadFitter;
import dev.distill.models.tokenizer.TextTokenizer;
import dev.distill.models.train.EncoderTeacher;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./distill mlm-head}: fits the masked-LM head that TinyBERT augmentation and the top-k
 * cache need on a teacher that has none ({@link FittedMlmHead}, the same data and settings as
 * {@code ./distill mlm}), or reuses the one already in {@code --out}, and measures it against
 * the identity head (the untrained fallback, {@link MlmTeacher#identityHead}).
 *
 * <p>The measurement is the one that matters for augmentation: held-out texts (not seen by the
 * fit) with 15% of their tokens replaced by {@code [MASK]} (no random or kept tokens, as the
 * augmenter masks a word), and the fraction of those tokens each head ranks first (top-1) or
 * among its top K ({@link MlmHeadFitter#quality}), over all masked tokens and over content words
 * (whole words of four letters or more, which leaves out a, the, of, or, an, in, to, …). Then the
 * augmenter's candidates of both heads for one sentence.
 */
@Command(name = "mlm-head", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Fit an MLM head on a frozen teacher and compare it with the identity head.",
                "Fits a masked-LM head on a teacher without one (bge-small), or reuses the one",
                "in --out, and compares it with the untrained identity head: masked-token top-1",
                "and top-K accuracy on held-out text ([MASK] at 15%% of tokens), over all tokens",
                "and over content words, and both heads' augmentation candidates for a sample",
                "sentence. The directory is what './distill classify --augment N --mlm-head DIR'",
                "reads. Defaults: 2-8 minutes on 2 CPU cores."})
public final class MlmHeadCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(MlmHeadCommand.class);

    @Option(names = "--teacher", defaultValue = "bge-small-en-v1.5", paramLabel = "<name|path>",
            description = "Teacher: a known name, a Hugging Face directory or an .onnx file (default: ${DEFAULT-VALUE}).")
    String teacherName;

    @Option(names = "--out", defaultValue = "runs/mlm-head", paramLabel = "DIR",
            description = "Where the head is saved (mlm-head.safetensors); a head there fitted from the same inputs"
                    + " is reused (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--corpus", paramLabel = "<file.txt>",
            description = "Use this file (one text per line, taken as given) instead of the default corpus"
                    + " (WordNet glosses and usages and newsgroup paragraphs, STS test sentences removed).")
    Path corpusFile;

    @Option(names = "--eval-texts", defaultValue = "800", description = "Held-out texts scored (default: ${DEFAULT-VALUE}).")
    int evalTexts;

    @Option(names = "--head-texts", defaultValue = "6000", description = "Texts the head is fitted on (default: ${DEFAULT-VALUE}).")
    int headTexts;

    @Option(names = "--head-steps", defaultValue = "300", description = "Optimiser steps of the fit (default: ${DEFAULT-VALUE}).")
    int headSteps;

    @Option(names = "--head-rows", defaultValue = "256", description = "Masked positions per step (default: ${DEFAULT-VALUE}).")
    int headRows;

    @Option(names = "--head-lr", defaultValue = "3e-3", description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    float headLr;

    @Option(names = "--max-length", defaultValue = "48", description = "Texts cut to N tokens (default: ${DEFAULT-VALUE}).")
    int maxLength;

    @Option(names = "--k", defaultValue = "15", description = "K of the top-K accuracy, TinyBERT's candidates per word (default: ${DEFAULT-VALUE}).")
    int k;

    @Option(names = "--sample", defaultValue = "Hockey players skate fast on the frozen lake.",
            description = "Sentence whose augmentation candidates are printed (default: ${DEFAULT-VALUE}).")
    String sample;

    @Mixin
    DeviceOption device;

    @Option(names = "--seed", defaultValue = "42", description = "Corpus shuffle, masking and fit (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        if (evalTexts < 1 || k < 1) {
            throw new IllegalArgumentException("--eval-texts (" + evalTexts + ") and --k (" + k + ") must be positive");
        }
        FittedMlmHead spec = new FittedMlmHead(headTexts, headSteps, headRows, headLr, maxLength, seed);
        Device dev = device.device();
        long t0 = System.nanoTime();
        try (LoadedModel loaded = ModelLoader.load(teacherName, dev, 128);
                TextTokenizer tok = loaded.tokenizer().withMaxLength(maxLength);
                NDManager m = loaded.manager().newSubManager()) {
            EncoderTeacher frozen = new EncoderTeacher(loaded.encoder());
            int vocab = loaded.encoder().config().vocabSize();
            long padId = loaded.encoder().config().padTokenId();
            UnlabelledCorpus.Texts corpus = corpusFile == null ? UnlabelledCorpus.load(0, seed)
                    : MlmCommand.fromFile(corpusFile);
            MaskedSet fitSet = spec.fitSet(corpus.texts(), evalTexts, tok, vocab, padId);
            MaskedSet heldOut = MaskedSet.fromTexts(corpus.texts().subList(0, evalTexts), TextPipeline.unlabelled(tok),
                    MlmMasker.builder(tok.tokenId("[MASK]"), vocab).optSeed(seed + 1).optReplacement(1.0, 0.0).build(),
                    padId, 64);
            System.out.printf(Locale.ROOT, "corpus: %,d texts (%s; %d dropped as STS test sentences): %d held out,"
                    + " %d for the head%n", corpus.texts().size(), corpusFile == null ? "WordNet glosses and usages,"
                    + " newsgroup paragraphs" : corpusFile.toString(), corpus.droppedAsStsTest(), evalTexts, headTexts);
            long t1 = System.nanoTime();
            MlmHeadFitter.Obtained head = spec.obtain(loaded.encoder(), frozen.fingerprint(), fitSet, out,
                    loaded.manager(), LOG::info);
            System.out.printf(Locale.ROOT, "MLM head %s %s (%.0f s; %s)%n", head.reused() ? "reused from" : "fitted into",
                    head.file(), (System.nanoTime() - t1) / 1e9, spec.settings().describe());

            MaskedLmHead identity = MlmTeacher.identityHead(loaded.encoder(), m);
            MlmHeadFitter.Features all = MlmHeadFitter.features(loaded.encoder(), heldOut, m);
            String[] words = tok.vocabulary();
            MlmHeadFitter.Features content = all.where(y -> y < words.length && words[(int) y].length() >= 4
                    && words[(int) y].chars().allMatch(Character::isLetter));
            System.out.printf(Locale.ROOT, "%nheld-out masked-token accuracy (%d texts, [MASK] at 15%% of tokens):%n",
                    evalTexts);
            System.out.printf(Locale.ROOT, "%-32s %8s %8s %16s %16s%n", "head", "top-1", "top-" + k, "content top-1",
                    "content top-" + k);
            for (Object[] row : new Object[][] {{"identity (untrained fallback)", identity}, {"fitted", head.head()}}) {
                MaskedLmHead h = (MaskedLmHead) row[1];
                MlmHeadFitter.Quality a = MlmHeadFitter.quality(loaded.encoder(), h, all, k, m);
                MlmHeadFitter.Quality c = MlmHeadFitter.quality(loaded.encoder(), h, content, k, m);
                System.out.printf(Locale.ROOT, "%-32s %7.1f%% %7.1f%% %15.1f%% %15.1f%%%n", row[0], 100 * a.top1(),
                        100 * a.topK(), 100 * c.top1(), 100 * c.topK());
            }
            System.out.printf(Locale.ROOT, "(%,d masked tokens, %,d of them content words: whole words of 4+ letters)%n",
                    all.size(), content.size());

            System.out.printf(Locale.ROOT, "%naugmentation candidates (first 8) for \"%s\":%n", sample);
            List<TinyBertAugmenter.Word> fitted = TinyBertAugmenter.builder(new MlmTeacher(loaded.encoder(),
                    head.head(), false), tok, loaded.manager()).optCandidates(8).build().candidates(List.of(sample))
                    .get(0);
            List<TinyBertAugmenter.Word> untrained = TinyBertAugmenter.builder(new MlmTeacher(loaded.encoder(),
                    identity, false), tok, loaded.manager()).optCandidates(8).build().candidates(List.of(sample)).get(0);
            for (int i = 0; i < fitted.size(); i++) {
                TinyBertAugmenter.Word w = fitted.get(i);
                if (w.candidates().isEmpty()) {
                    continue;
                }
                String how = w.pieces() == 1 ? "MLM" : "embedding neighbours, " + w.pieces() + " pieces";
                System.out.printf(Locale.ROOT, "  %-10s (%s)%n    fitted:   %s%n    identity: %s%n", w.text(), how,
                        String.join(", ", w.candidates()), String.join(", ", untrained.get(i).candidates()));
            }
        }
        System.out.printf(Locale.ROOT, "total %.1f min%n", (System.nanoTime() - t0) / 60e9);
        return 0;
    }
}
