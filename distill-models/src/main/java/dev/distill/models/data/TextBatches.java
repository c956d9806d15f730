package dev.distill.models.data;

import dev.distill.core.data.ErrorPolicy;
import dev.distill.core.data.ExampleBatchSource;
import dev.distill.core.data.LabelKind;
import dev.distill.core.data.TextExample;
import dev.distill.core.data.TextLines;
import dev.distill.core.data.TokenizedExample;
import dev.distill.models.tokenizer.TextTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Training batches of unlabelled text in one line: from a {@code List<String>} or a UTF-8 file
 * with one text per line. The texts are tokenised once (truncated to the tokenizer's maximum
 * length) and served by an {@link ExampleBatchSource}: length-bucketed, shuffled per epoch from
 * the seed, padded with the tokenizer's [PAD], resumable at the exact batch.
 *
 * <pre>{@code
 * BatchSource batches = TextBatches.of(List.of("first text", "second text"), tokenizer, 32, 42);
 * BatchSource fromFile = TextBatches.fromFile(Path.of("corpus.txt"), tokenizer, 32, 42);
 * }</pre>
 */
public final class TextBatches {

    private TextBatches() {}

    /**
     * Batches of {@code texts}, in a shuffled, length-bucketed order.
     *
     * @param texts the training texts (not blank)
     * @param tokenizer tokenises and pads them; its maximum length truncates
     * @param batchSize texts per batch, at least 1
     * @param seed the shuffling seed
     * @return the batch source
     * @throws IllegalArgumentException when the list is empty, a text is null or blank, or the
     *     batch size is not positive
     */
    public static ExampleBatchSource of(List<String> texts, TextTokenizer tokenizer, int batchSize, long seed) {
        Objects.requireNonNull(texts, "texts");
        Objects.requireNonNull(tokenizer, "tokenizer");
        requireBatchSize(batchSize);
        if (texts.isEmpty()) {
            throw new IllegalArgumentException("no training texts: the list is empty; give at least one text");
        }
        TextPipeline pipeline = TextPipeline.unlabelled(tokenizer);
        List<TokenizedExample> examples = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            String t = texts.get(i);
            if (t == null || t.isBlank()) {
                throw new IllegalArgumentException("text " + i + " of " + texts.size() + " is "
                        + (t == null ? "null" : "blank") + "; every training text needs some content (drop it first)");
            }
            examples.add(pipeline.tokenize(TextExample.of(t)));
        }
        return new ExampleBatchSource(examples, batchSize, LabelKind.NONE, null, tokenizer.padId(), seed);
    }

    /**
     * Batches of the non-blank lines of a UTF-8 text file, one text per line (blank lines are
     * passed over).
     *
     * @param file the text file
     * @param tokenizer tokenises and pads the texts; its maximum length truncates
     * @param batchSize texts per batch, at least 1
     * @param seed the shuffling seed
     * @return the batch source
     * @throws dev.distill.core.data.DataException naming the file and line when a line is not
     *     UTF-8
     * @throws IllegalArgumentException when the file does not exist or holds no text, or the
     *     batch size is not positive
     */
    public static ExampleBatchSource fromFile(Path file, TextTokenizer tokenizer, int batchSize, long seed) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(tokenizer, "tokenizer");
        requireBatchSize(batchSize);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("text file " + file + (Files.exists(file) ? " is not a regular file"
                    : " does not exist") + "; give a UTF-8 file with one training text per line");
        }
        List<String> texts = new ArrayList<>();
        try (var lines = TextLines.open(file, ErrorPolicy.FAIL)) {
            while (lines.hasNext()) {
                texts.add(lines.next().text());
            }
        }
        if (texts.isEmpty()) {
            throw new IllegalArgumentException(file + " holds no text (every line is blank); give one training text"
                    + " per line");
        }
        return of(texts, tokenizer, batchSize, seed);
    }

    private static void requireBatchSize(int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size " + batchSize + " must be at least 1");
        }
    }
}
