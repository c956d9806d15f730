package dev.distill.models.data;

import ai.djl.huggingface.tokenizers.Encoding;
import dev.distill.core.data.DataException;
import dev.distill.core.data.LabelKind;
import dev.distill.core.data.RecordStream;
import dev.distill.core.data.TextExample;
import dev.distill.core.data.TokenizedExample;
import dev.distill.models.tokenizer.TextTokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Text to {@link TokenizedExample}: single texts as {@code [CLS] a [SEP]}, pairs as
 * {@code [CLS] a [SEP] b [SEP]} (token type 1 on b), truncated to the tokenizer's maximum length,
 * with word ids (unique across both texts, −1 on special tokens) for whole-word masking and
 * augmentation, and labels parsed per {@link LabelKind}. Batching and masking then need no
 * tokenizer ({@code dev.distill.core.data}).
 */
public final class TextPipeline {

    private final TextTokenizer tokenizer;
    private final LabelKind labelKind;
    private final List<String> classes;

    /**
     * A pipeline from text examples to tokenised examples.
     *
     * @param tokenizer the model's tokenizer
     * @param labelKind how labels are read: CLASS looks the label up in {@code classes}; SCORE
     *     parses a number; NONE ignores labels
     * @param classes the class names in id order (CLASS only)
     * @throws IllegalArgumentException for SPAN labels, or CLASS labels without classes
     */
    public TextPipeline(TextTokenizer tokenizer, LabelKind labelKind, List<String> classes) {
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.labelKind = Objects.requireNonNull(labelKind, "labelKind");
        if (labelKind == LabelKind.SPAN) {
            throw new IllegalArgumentException("span labels come from SquadWindows, not from text examples");
        }
        if (labelKind == LabelKind.CLASS && (classes == null || classes.isEmpty())) {
            throw new IllegalArgumentException("CLASS labels need the list of class names");
        }
        this.classes = classes == null ? List.of() : List.copyOf(classes);
    }

    /**
     * Unlabelled text (for masked-LM distillation or embedding distillation).
     *
     * @param tokenizer the model's tokenizer
     * @return a pipeline that ignores labels
     */
    public static TextPipeline unlabelled(TextTokenizer tokenizer) {
        return new TextPipeline(tokenizer, LabelKind.NONE, null);
    }

    /** {@return how labels are read} */
    public LabelKind labelKind() {
        return labelKind;
    }

    /**
     * Tokenises one example; a bad label is a {@link DataException} naming its origin.
     *
     * @param ex the example
     * @return the tokenised example, truncated to the tokenizer's maximum length
     */
    public TokenizedExample tokenize(TextExample ex) {
        Encoding e = ex.isPair() ? tokenizer.encodePair(ex.text(), ex.pair()) : tokenizer.encode(ex.text());
        return fromEncoding(e, label(ex));
    }

    /**
     * Tokenises every record of a stream (closing it). Under the stream's SKIP policy, records with
     * bad labels are skipped and counted in {@code stream.skipped()} via the returned list's size
     * difference; under FAIL they throw.
     *
     * @param stream the examples; closed at the end
     * @return the tokenised examples, in stream order
     */
    public List<TokenizedExample> tokenizeAll(RecordStream<TextExample> stream) {
        List<TokenizedExample> out = new ArrayList<>();
        try (stream) {
            while (stream.hasNext()) {
                out.add(tokenize(stream.next()));
            }
        }
        return out;
    }

    /** Builds the example from an encoding with special tokens (word ids made unique across a pair). */
    static TokenizedExample fromEncoding(Encoding e, double[] label) {
        long[] ids = e.getIds();
        long[] special = e.getSpecialTokenMask();
        long[] words = e.getWordIds();
        long[] seq = e.getSequenceIds();
        boolean[] sp = new boolean[ids.length];
        int[] w = new int[ids.length];
        int firstWords = 0;
        for (int i = 0; i < ids.length; i++) {
            if (special[i] == 0 && (seq == null || seq.length == 0 || seq[i] == 0) && words[i] >= 0) {
                firstWords = (int) Math.max(firstWords, words[i] + 1);
            }
        }
        for (int i = 0; i < ids.length; i++) {
            sp[i] = special[i] != 0;
            if (sp[i] || words[i] < 0) {
                w[i] = -1;
            } else {
                boolean second = seq != null && seq.length == ids.length && seq[i] == 1;
                w[i] = (int) words[i] + (second ? firstWords : 0);
            }
        }
        return new TokenizedExample(ids, e.getTypeIds(), w, sp, label);
    }

    private double[] label(TextExample ex) {
        switch (labelKind) {
            case NONE:
                return new double[0];
            case SCORE:
                try {
                    return new double[] {ex.labelAsDouble()};
                } catch (IllegalArgumentException e) {
                    throw new DataException(origin(ex), "label", e.getMessage());
                }
            default:
                int id = ex.label() == null ? -1 : classes.indexOf(ex.label().trim());
                if (id < 0) {
                    throw new DataException(origin(ex), "label", "label '" + ex.label() + "' is not one of the classes "
                            + classes);
                }
                return new double[] {id};
        }
    }

    private static String origin(TextExample ex) {
        return ex.origin() == null ? "example" : ex.origin();
    }
}
