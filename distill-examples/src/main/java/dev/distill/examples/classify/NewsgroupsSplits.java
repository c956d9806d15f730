package dev.distill.examples.classify;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import dev.distill.core.data.ErrorPolicy;
import dev.distill.core.data.Newsgroups;
import dev.distill.core.data.RecordStream;
import dev.distill.core.data.Seeds;
import dev.distill.core.data.TextExample;
import dev.distill.models.tokenizer.TextTokenizer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;

/**
 * The 3-newsgroups data as the classify example uses it: the training posts shuffled from a seed
 * and split into a training part and a development part (for evaluation during training, so the
 * test split is never used to choose anything), and the test posts (all of them by default). Each
 * post is cut to the text its first {@code maxLength − 2} tokens cover, so augmentation and the
 * models see the same words.
 *
 * @param train training posts
 * @param dev held-out training posts for evaluation during training
 * @param test the newsgroups test split
 * @param classes the topics in id order (sorted)
 */
record NewsgroupsSplits(List<TextExample> train, List<TextExample> dev, List<TextExample> test, List<String> classes) {

    /**
     * @param devSize training posts held out for evaluation during training
     * @param trainSize at most this many training posts, 0 for all the rest
     * @param testSize at most this many test posts (a seeded sample), 0 for all
     */
    static NewsgroupsSplits load(TextTokenizer tokenizer, int devSize, int trainSize, int testSize, long seed) {
        List<TextExample> all = read(Newsgroups.train(ErrorPolicy.FAIL));
        List<TextExample> test = read(Newsgroups.test(ErrorPolicy.FAIL));
        if (devSize < 1 || devSize >= all.size()) {
            throw new IllegalArgumentException("--dev-size (" + devSize + ") must lie in [1, " + (all.size() - 1)
                    + "]: it holds out that many of the " + all.size() + " training posts for evaluation during"
                    + " training");
        }
        if (trainSize < 0 || testSize < 0) {
            throw new IllegalArgumentException("--train-size (" + trainSize + ") and --test-size (" + testSize
                    + ") must be >= 0 (0 means all)");
        }
        TreeSet<String> classes = new TreeSet<>();
        all.forEach(e -> classes.add(e.label()));
        Collections.shuffle(all, new Random(Seeds.random(seed, 1).nextLong()));
        List<TextExample> dev = all.subList(0, devSize);
        List<TextExample> train = all.subList(devSize, all.size());
        if (trainSize > 0 && trainSize < train.size()) {
            train = train.subList(0, trainSize);
        }
        if (testSize > 0 && testSize < test.size()) {
            Collections.shuffle(test, new Random(Seeds.random(seed, 2).nextLong()));
            test = test.subList(0, testSize);
        }
        return new NewsgroupsSplits(cut(train, tokenizer), cut(dev, tokenizer), cut(test, tokenizer),
                List.copyOf(classes));
    }

    private static List<TextExample> read(RecordStream<TextExample> stream) {
        try (stream) {
            return new ArrayList<>(stream.toList());
        }
    }

    private static List<TextExample> cut(List<TextExample> posts, TextTokenizer tokenizer) {
        List<TextExample> out = new ArrayList<>(posts.size());
        for (TextExample e : posts) {
            out.add(new TextExample(firstTokens(tokenizer, e.text()), null, e.label(), e.origin()));
        }
        return List.copyOf(out);
    }

    /** The prefix of {@code text} covered by the tokens the (truncating) tokenizer keeps. */
    static String firstTokens(TextTokenizer tokenizer, String text) {
        Encoding e = tokenizer.encode(text);
        CharSpan[] spans = e.getCharTokenSpans();
        int end = 0;
        for (CharSpan s : spans) {
            if (s != null) {
                end = Math.max(end, s.getEnd());
            }
        }
        return text.substring(0, end);
    }
}
