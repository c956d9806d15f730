package dev.distill.models.data;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import dev.distill.core.data.SquadReader;
import dev.distill.core.data.TokenizedExample;
import dev.distill.models.tokenizer.TextTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * SQuAD questions as model inputs: {@code [CLS] question [SEP] context window [SEP]}, with long
 * contexts split into overlapping windows (BERT's {@code run_squad.py}: windows of at most
 * {@code maxLength − |question| − 3} context tokens whose starts are {@code stride} tokens apart),
 * and the answer's character offsets turned into token positions through the tokenizer's
 * character spans. A window that does not contain the whole answer points at [CLS] (0, 0), as in
 * BERT.
 */
public final class SquadWindows {

    /**
     * One window of one question.
     *
     * @param example ids, token types (0 for [CLS] question [SEP], 1 for the context and the
     *     last [SEP]) and the span label (start, end) in this window's token positions, inclusive
     * @param questionId the SQuAD question id
     * @param charStart for each token, the character offset in the context where it starts, or −1
     *     outside the context (to turn a predicted span back into text)
     * @param charEnd for each token, one past its last context character, or −1
     * @param containsAnswer whether the span label points at the answer (not at [CLS])
     */
    public record Window(TokenizedExample example, String questionId, int[] charStart, int[] charEnd,
            boolean containsAnswer) {}

    private SquadWindows() {}

    /**
     * Cuts a question and its context into overlapping windows of {@code [CLS] question [SEP]
     * context-part [SEP]}, BERT's SQuAD preprocessing; the span label of a window without the
     * answer points at [CLS].
     *
     * @param tokenizer the model's tokenizer
     * @param q the question, its context and answers
     * @param maxLength total tokens per window, special tokens included
     * @param stride tokens between the starts of consecutive windows (128 in BERT with 384-token windows)
     * @param maxQuestionTokens questions are cut to this many tokens (64 in BERT)
     * @return the windows, in context order
     */
    public static List<Window> windows(TextTokenizer tokenizer, SquadReader.Question q, int maxLength, int stride,
            int maxQuestionTokens) {
        long cls = tokenizer.tokenId("[CLS]");
        long sep = tokenizer.tokenId("[SEP]");
        long[] qIds = tokenizer.encodeUntruncated(q.question()).getIds();
        if (qIds.length > maxQuestionTokens) {
            qIds = Arrays.copyOf(qIds, maxQuestionTokens);
        }
        int budget = maxLength - qIds.length - 3;
        if (budget < 1) {
            throw new IllegalArgumentException("maxLength " + maxLength + " leaves no room for context after a question of "
                    + qIds.length + " tokens; raise maxLength or lower maxQuestionTokens");
        }
        if (stride < 1 || stride > budget) {
            throw new IllegalArgumentException("stride (" + stride + ") must lie in [1, " + budget + "], the context"
                    + " tokens per window, or windows would leave gaps");
        }
        Encoding ctx = tokenizer.encodeUntruncated(q.context());
        long[] cIds = ctx.getIds();
        CharSpan[] spans = ctx.getCharTokenSpans();
        long[] cWords = ctx.getWordIds();
        // Answer (first one) as inclusive token indices into the context.
        int ansStart = -1;
        int ansEnd = -1;
        if (!q.answers().isEmpty()) {
            SquadReader.Answer a = q.answers().get(0);
            for (int i = 0; i < cIds.length; i++) {
                if (spans[i] == null) {
                    continue;
                }
                if (ansStart < 0 && spans[i].getEnd() > a.start()) {
                    ansStart = i;
                }
                if (spans[i].getStart() < a.end()) {
                    ansEnd = i;
                }
            }
        }
        List<Window> out = new ArrayList<>();
        for (int start = 0; ; start += stride) {
            int len = Math.min(budget, cIds.length - start);
            int n = qIds.length + len + 3;
            long[] ids = new long[n];
            long[] types = new long[n];
            boolean[] special = new boolean[n];
            int[] words = new int[n];
            int[] cs = new int[n];
            int[] ce = new int[n];
            Arrays.fill(words, -1);
            Arrays.fill(cs, -1);
            Arrays.fill(ce, -1);
            ids[0] = cls;
            special[0] = true;
            System.arraycopy(qIds, 0, ids, 1, qIds.length);
            int off = qIds.length + 2;
            ids[off - 1] = sep;
            special[off - 1] = true;
            for (int i = 0; i < len; i++) {
                ids[off + i] = cIds[start + i];
                types[off + i] = 1;
                words[off + i] = (int) cWords[start + i];
                if (spans[start + i] != null) {
                    cs[off + i] = spans[start + i].getStart();
                    ce[off + i] = spans[start + i].getEnd();
                }
            }
            ids[n - 1] = sep;
            types[n - 1] = 1;
            special[n - 1] = true;
            boolean inside = ansStart >= start && ansEnd >= ansStart && ansEnd < start + len;
            double[] label = inside ? new double[] {off + ansStart - start, off + ansEnd - start} : new double[] {0, 0};
            out.add(new Window(new TokenizedExample(ids, types, words, special, label), q.id(), cs, ce, inside));
            if (start + len >= cIds.length) {
                return out;
            }
        }
    }
}
